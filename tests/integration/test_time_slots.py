"""The half-hour slots that an offer's hours put among its tags (``offre_creneaux``, migration
0008) against the opening-hours library: every hour in which the library finds an
expression open is among its tags (the index must never hide an open offer), and for the
weekly expressions of the real sources the tags hold no other hour."""

from __future__ import annotations

from datetime import datetime, timedelta

import opening_hours
import pytest
from sqlalchemy import text

from mapdir.hours import evaluate
from mapdir.hours.evaluate import Period
from mapdir.hours.time_slots import ANY_TIME, NO_HOURS, candidate_tags, slot_tag

#: 2026, holidays included: where the tags must hold every open hour
YEAR = (datetime(2026, 1, 1), datetime(2027, 1, 1))
#: five weeks without a French public holiday: where the tags of a weekly expression hold
#: exactly the open hours
PLAIN_WEEKS = (datetime(2026, 9, 7), datetime(2026, 10, 12))

EDGE_CASES = [
    "Mo-Fr 09:00-12:00,14:00-17:00; We off; PH off",
    "Mo-Fr 08:30-12:00; Th 08:30-12:00,14:00-17:00",
    "Mo-Fr 09:00-12:00; 14:00-15:00",
    "Sa-Mo 10:00-11:30",
    "Mo[1] 09:00-10:00",
    "Mo[1] 09:00-10:00; Mo 14:00-15:00",
    "Mo 14:00-15:00; Mo[2,4] 09:00-10:00",
    "Fr[-1] 08:00-09:00; Fr[-1] off",
    "10:00-11:00",
    "Mo 09:00-24:00",
    "Mo 09:59-10:01",
    "Mo 09:15-10:45,12:40-12:50",
    "Mo-Su 00:00-24:00",
    "Mo-Fr 09:00-12:00; PH closed",
    "24/7",
    "Mo 22:00-02:00",
    "Mo 10:00-10:00",
    "Dec 25 off; Mo-Fr 09:00-12:00",
    "Jan-Jun Mo 09:00-12:00",
    'Mo-Fr 09:00-12:00 "sur rendez-vous"',
    "Tu 09:00-12:00, Th 14:00-16:00",
    "PH 10:00-12:00; Mo 09:00-12:00",
    "SH off; Mo 09:00-12:00",
    "week 1-53/2 Mo 09:00-12:00",
    "Mo-Fr 09:00-12:00+",
    "Mo-Fr 9:00-12:00",
    "du lundi au vendredi",
]


def tags_of(conn, expressions: list[str | None]) -> list[list[int]]:
    rows = conn.execute(
        text("SELECT offre_creneaux(h) FROM unnest(CAST(:e AS text[])) WITH ORDINALITY x(h, i) "
             "ORDER BY i"), {"e": expressions}
    ).scalars()  # fmt: skip
    return [list(r) for r in rows]


def open_slots(expression: str, period: tuple[datetime, datetime]) -> set[int]:
    """The slot tags of every half-hour in which the library finds the expression open."""
    parsed = evaluate.parse_hours(expression)
    slots: set[int] = set()
    for start, end, state, _comment in parsed.intervals(*period):
        if state != opening_hours.State.OPEN:
            continue
        half = start.replace(minute=start.minute - start.minute % 30)
        while half < end:
            slots.add(slot_tag(half))
            half += timedelta(minutes=30)
    return slots


def test_tags_hold_every_open_hour_of_edge_cases(conn):
    tags = dict(zip(EDGE_CASES, tags_of(conn, EDGE_CASES), strict=True))
    for expression, got in tags.items():
        if evaluate.parse_hours(expression) is None:
            assert got == [ANY_TIME], expression  # unreadable: any time may be open
            continue
        if ANY_TIME in got:
            assert got == [ANY_TIME], expression
            continue
        missing = open_slots(expression, YEAR) - set(got)
        assert not missing, (expression, sorted(missing))
    # what the function reads is told exactly; what it does not read may be open any time
    assert set(tags["Mo-Fr 09:00-12:00,14:00-17:00; We off; PH off"]) == open_slots(
        "Mo-Fr 09:00-12:00,14:00-17:00; We off", PLAIN_WEEKS
    )
    assert len(tags["Mo-Su 00:00-24:00"]) == 336
    for expression in EDGE_CASES[EDGE_CASES.index("24/7") :]:
        assert tags[expression] == [ANY_TIME], expression
    assert tags_of(conn, [None, "", "  "]) == [[NO_HOURS]] * 3


def test_tags_of_the_real_sources_are_exact(real_directory):
    with real_directory.connect() as conn:
        rows = conn.execute(
            text("SELECT DISTINCT horaires, offre_creneaux(horaires) AS tags FROM offre "
                 "WHERE horaires IS NOT NULL")
        ).all()  # fmt: skip
    assert len(rows) > 1000
    unread = [r.horaires for r in rows if ANY_TIME in r.tags]
    assert len(unread) <= 0.01 * len(rows), unread[:20]
    for expression, tags in rows:
        if ANY_TIME in tags or evaluate.parse_hours(expression) is None:
            continue
        assert open_slots(expression, YEAR) <= set(tags), expression
        if "[" not in expression and "PH" not in expression:
            assert set(tags) == open_slots(expression, PLAIN_WEEKS), expression


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (datetime(2026, 12, 2, 10, 29), -1 - 48 * 2 - 20),  # Wednesday 10:29
        (datetime(2026, 12, 2, 10, 30), -1 - 48 * 2 - 21),  # Wednesday 10:30
        (datetime(2026, 11, 30, 0, 0), -1),  # Monday, midnight
        (datetime(2026, 12, 6, 23, 59), -336),  # Sunday, the last minute
        (datetime.fromisoformat("2026-07-01T08:00:00+00:00"), -1 - 48 * 2 - 20),  # CEST
    ],
)
def test_slot_of_a_time(when, expected):
    assert slot_tag(when) == expected
    assert candidate_tags(when) == [expected, ANY_TIME]


def test_candidate_tags_of_a_period_cover_its_half_hours():
    morning = Period(datetime(2026, 12, 2, 8, 0), datetime(2026, 12, 2, 12, 0))
    wednesday_8h = slot_tag(morning.start)
    assert candidate_tags(morning) == sorted(wednesday_8h - i for i in range(8)) + [ANY_TIME]
    odd = Period(datetime(2026, 12, 2, 10, 15), datetime(2026, 12, 2, 10, 45))
    assert candidate_tags(odd) == [slot_tag(odd.start) - 1, slot_tag(odd.start), ANY_TIME]
    # Sunday night to Monday: the week wraps
    night = Period(datetime(2026, 12, 6, 23, 0), datetime(2026, 12, 7, 1, 0))
    assert candidate_tags(night) == [-336, -335, -2, -1, ANY_TIME]
    week = Period(datetime(2026, 12, 2, 8, 0), datetime(2026, 12, 9, 8, 0))
    assert candidate_tags(week) == list(range(-336, 0)) + [ANY_TIME]


def test_an_offer_open_during_a_period_holds_one_of_its_candidate_tags(conn):
    """The index must never hide an offer open during the period asked for."""
    periods = [
        Period(datetime(2026, 12, 2, 8, 0), datetime(2026, 12, 2, 12, 0)),
        Period(datetime(2026, 12, 2, 13, 0), datetime(2026, 12, 2, 18, 0)),
        Period(datetime(2026, 12, 5, 0, 0), datetime(2026, 12, 6, 0, 0)),
        Period(datetime(2026, 12, 6, 22, 0), datetime(2026, 12, 7, 10, 0)),
        Period(datetime(2026, 12, 25, 8, 0), datetime(2026, 12, 26, 12, 0)),
        Period(datetime(2026, 12, 7, 9, 10), datetime(2026, 12, 7, 9, 25)),
    ]
    checked = 0
    for expression, tags in zip(EDGE_CASES, tags_of(conn, EDGE_CASES), strict=True):
        for period in periods:
            if evaluate.open_state(expression, period) == "ouvert":
                checked += 1
                assert set(tags) & set(candidate_tags(period)), (expression, period)
    assert checked > 20
