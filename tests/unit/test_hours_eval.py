"""Opening-hours evaluation: open state at a time, next open slots, French labels."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta

import pytest

from mapdir.hours import evaluate, labels


def second_friday(year: int, month: int) -> date:
    fridays = [
        week[calendar.FRIDAY]
        for week in calendar.monthcalendar(year, month)
        if week[calendar.FRIDAY] != 0
    ]
    return date(year, month, fridays[1])


@pytest.mark.parametrize(
    ("expression", "when", "expected"),
    [
        ("Mo-Fr 09:00-12:00,14:00-17:00", datetime(2026, 12, 2, 10, 0), "ouvert"),  # Wed
        ("Mo-Fr 09:00-12:00,14:00-17:00", datetime(2026, 12, 2, 12, 30), "ferme"),
        ("Mo-Fr 09:00-12:00,14:00-17:00", datetime(2026, 12, 5, 10, 0), "ferme"),  # Sat
        ("Mo-Fr 09:00-12:00; PH off", datetime(2026, 12, 25, 10, 0), "ferme"),  # Christmas
        ("Mo-Fr 09:00-12:00; PH off", datetime(2026, 12, 24, 10, 0), "ouvert"),
        ("Mo-Fr 09:00-12:00; Sa unknown", datetime(2026, 12, 5, 10, 0), "inconnu"),
        (None, datetime(2026, 12, 2, 10, 0), "inconnu"),
        ("", datetime(2026, 12, 2, 10, 0), "inconnu"),
        ("le matin sauf le mardi", datetime(2026, 12, 2, 10, 0), "inconnu"),
    ],
)
def test_open_state(expression, when, expected):
    assert evaluate.open_state(expression, when) == expected


def test_aware_datetime_is_read_in_paris_time():
    # 09:30 UTC in December is 10:30 in Paris: open in a 10:00-12:00 slot
    when = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    assert evaluate.open_state("We 10:00-12:00", when) == "ouvert"
    assert evaluate.open_state("We 09:00-10:00", when) == "ferme"


def test_second_friday_of_each_month_over_a_year():
    slots = evaluate.next_openings(
        "Fr[2] 09:30-12:00", datetime(2026, 1, 1), count=12, horizon_days=400
    )
    assert len(slots) == 12
    for month, (begin, end) in enumerate(slots, start=1):
        assert begin.date() == second_friday(2026, month)
        assert (begin.hour, begin.minute, end.hour, end.minute) == (9, 30, 12, 0)


def test_next_openings_skips_past_slots_and_keeps_ongoing_one_from_its_start():
    slots = evaluate.next_openings("Tu 09:00-12:00", datetime(2026, 12, 1, 10, 0), count=2)
    assert slots == [
        (datetime(2026, 12, 1, 9, 0), datetime(2026, 12, 1, 12, 0)),
        (datetime(2026, 12, 8, 9, 0), datetime(2026, 12, 8, 12, 0)),
    ]
    later = evaluate.next_openings("Tu 09:00-12:00", datetime(2026, 12, 1, 12, 0), count=1)
    assert later[0][0] == datetime(2026, 12, 8, 9, 0)


def test_next_openings_are_increasing_and_inside_horizon():
    start = datetime(2026, 11, 20, 8, 0)
    slots = evaluate.next_openings("Mo,Th 14:00-17:00", start, count=6, horizon_days=30)
    assert len(slots) == 6
    assert all(a[1] <= b[0] for a, b in zip(slots, slots[1:], strict=False))
    assert all(b.weekday() in (0, 3) and start <= b <= start + timedelta(days=30) for b, _ in slots)


def test_nothing_for_missing_or_invalid_hours():
    assert evaluate.next_openings(None, datetime(2026, 12, 1)) == []
    assert evaluate.next_openings("n'importe quoi", datetime(2026, 12, 1)) == []
    assert evaluate.passages("Mo 09:00-10:00", datetime(2026, 12, 1), count=0) == []


@pytest.mark.parametrize(
    ("begin", "end", "label"),
    [
        (datetime(2026, 12, 8, 9), datetime(2026, 12, 8, 12), "mardi 8 décembre, 9 h–12 h"),
        (
            datetime(2026, 12, 11, 9, 30),
            datetime(2026, 12, 11, 12),
            "vendredi 11 décembre, 9 h 30–12 h",
        ),  # noqa: E501
        (
            datetime(2027, 1, 1, 14),
            datetime(2027, 1, 1, 17, 15),
            "vendredi 1er janvier, 14 h–17 h 15",
        ),  # noqa: E501
        (datetime(2026, 8, 3, 20), datetime(2026, 8, 4, 0), "lundi 3 août, 20 h–24 h"),
    ],
)
def test_french_slot_label(begin, end, label):
    assert labels.french_slot_label(begin, end) == label


def test_passages_are_json_ready():
    out = evaluate.passages("Fr[2] 09:30-12:00", datetime(2026, 12, 1), count=2)
    first_day = second_friday(2026, 12)
    assert out[0]["debut"] == f"{first_day.isoformat()}T09:30"
    assert out[0]["fin"] == f"{first_day.isoformat()}T12:00"
    assert out[0]["libelle"].startswith(f"vendredi {first_day.day} décembre")
    assert out[1]["debut"].startswith(second_friday(2027, 1).isoformat())
