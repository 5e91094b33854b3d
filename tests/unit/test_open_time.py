"""The ``ouvert`` parameter: instants, days and parts of days, intervals; open during a
period (one stretch of at least 30 minutes inside it); French messages for bad values."""

from __future__ import annotations

from datetime import datetime

import pytest

from mapdir.errors import InvalidParameter
from mapdir.hours import evaluate
from mapdir.hours.evaluate import Period
from mapdir.hours.open_time import as_iso, describe, parse_open_time

WEDNESDAY_11H = datetime(2026, 12, 2, 11, 0)


@pytest.mark.parametrize(
    ("raw", "now", "iso", "label"),
    [
        ("maintenant", WEDNESDAY_11H, "2026-12-02T11:00", "mercredi 2 décembre à 11 h"),
        ("2026-12-02T10:30", WEDNESDAY_11H, "2026-12-02T10:30", "mercredi 2 décembre à 10 h 30"),
        # an offset is converted to France's wall clock (UTC+1 in December)
        ("2026-12-02T09:00+00:00", WEDNESDAY_11H, "2026-12-02T10:00", "mercredi 2 décembre à 10 h"),
        ("mercredi-matin", WEDNESDAY_11H, "2026-12-02T08:00/2026-12-02T12:00",
         "mercredi 2 décembre, matin (8 h–12 h)"),
        ("Mercredi matin", datetime(2026, 12, 2, 12, 30), "2026-12-09T08:00/2026-12-09T12:00",
         "mercredi 9 décembre, matin (8 h–12 h)"),  # this morning is over: next week's
        ("mercredi après-midi", WEDNESDAY_11H, "2026-12-02T13:00/2026-12-02T18:00",
         "mercredi 2 décembre, après-midi (13 h–18 h)"),
        ("lundi", WEDNESDAY_11H, "2026-12-07T00:00/2026-12-08T00:00",
         "lundi 7 décembre (toute la journée)"),
        ("aujourd'hui", WEDNESDAY_11H, "2026-12-02T00:00/2026-12-03T00:00",
         "mercredi 2 décembre (toute la journée)"),
        ("demain-soir", WEDNESDAY_11H, "2026-12-03T18:00/2026-12-03T22:00",
         "jeudi 3 décembre, soir (18 h–22 h)"),
        ("apres-midi", datetime(2026, 12, 2, 19, 0), "2026-12-03T13:00/2026-12-03T18:00",
         "jeudi 3 décembre, après-midi (13 h–18 h)"),
        ("2026-12-08-matin", WEDNESDAY_11H, "2026-12-08T08:00/2026-12-08T12:00",
         "mardi 8 décembre, matin (8 h–12 h)"),
        ("2027-01-01", WEDNESDAY_11H, "2027-01-01T00:00/2027-01-02T00:00",
         "vendredi 1er janvier (toute la journée)"),
        ("2026-12-02T09:00/12:30", WEDNESDAY_11H, "2026-12-02T09:00/2026-12-02T12:30",
         "mercredi 2 décembre, 9 h–12 h 30"),
        ("2026-12-02T18:00/24:00", WEDNESDAY_11H, "2026-12-02T18:00/2026-12-03T00:00",
         "mercredi 2 décembre, 18 h–24 h"),
        ("2026-12-02T09:00/2026-12-03T12:00", WEDNESDAY_11H, "2026-12-02T09:00/2026-12-03T12:00",
         "mercredi 2 décembre, 9 h – jeudi 3 décembre 12 h"),
    ],
)  # fmt: skip
def test_readable_values(raw, now, iso, label):
    when = parse_open_time(raw, now)
    assert as_iso(when) == iso
    assert describe(when) == label


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("demain-nuit", "un jour et un moment (mercredi-matin"),
        ("bientôt", "Indiquez « maintenant »"),
        ("lundimatin", "Indiquez « maintenant »"),
        ("2026-13-01", "Indiquez « maintenant »"),
        ("2026-12-02T12:00/10:00", "La fin de l'intervalle doit suivre son début."),
        ("2026-12-01T00:00/2026-12-09T00:00", "au plus 7 jours"),
        ("2026-12-02T09:00+01:00/12:00", "sans fuseau"),
        ("2026-12-02T09:00/25:00", "Indiquez « maintenant »"),
        ("9999-12-31", "l'année doit être comprise entre 2000 et 2100"),
        ("1999-01-01T10:00", "l'année doit être comprise entre 2000 et 2100"),
    ],
)
def test_unreadable_values_get_a_french_message(raw, message):
    with pytest.raises(InvalidParameter) as caught:
        parse_open_time(raw, WEDNESDAY_11H)
    assert caught.value.parametre == "ouvert"
    assert message in caught.value.message


def test_empty_value_is_no_filter():
    assert parse_open_time("  ", WEDNESDAY_11H) is None


MORNING = Period(datetime(2026, 12, 2, 8, 0), datetime(2026, 12, 2, 12, 0))


@pytest.mark.parametrize(
    ("expression", "period", "state"),
    [
        ("We 10:30-12:00", MORNING, "ouvert"),  # at 10:00 it is closed, in the morning open
        ("We 11:45-12:30", MORNING, "ferme"),  # 15 minutes inside: not "open in the morning"
        ("We 11:30-12:30", MORNING, "ouvert"),  # 30 minutes
        ("We 07:00-08:20", MORNING, "ferme"),
        ("We 14:00-17:00", MORNING, "ferme"),
        ("We 10:00-10:20,10:20-10:40", MORNING, "ouvert"),  # one stretch of 40 minutes
        ("We 09:00-09:20,11:00-11:20", MORNING, "ferme"),  # two stretches of 20 minutes
        ("Mo-Fr 09:00-12:00; PH off", Period(datetime(2026, 12, 25, 8), datetime(2026, 12, 25, 12)),
         "ferme"),  # Christmas
        ("We 08:00-12:00 unknown", MORNING, "inconnu"),
        ("We 08:00-08:15; We 09:00-12:00 unknown", MORNING, "inconnu"),
        (None, MORNING, "inconnu"),
        ("pas des horaires", MORNING, "inconnu"),
        # a period shorter than 30 minutes: open through all of it
        ("We 10:00-10:10", Period(datetime(2026, 12, 2, 10, 0), datetime(2026, 12, 2, 10, 10)),
         "ouvert"),
        ("We 10:00-10:05", Period(datetime(2026, 12, 2, 10, 0), datetime(2026, 12, 2, 10, 10)),
         "ferme"),
    ],
)  # fmt: skip
def test_open_during_a_period(expression, period, state):
    assert evaluate.open_state(expression, period) == state


def test_an_instant_is_still_an_instant():
    assert evaluate.open_state("We 10:30-12:00", datetime(2026, 12, 2, 10, 0)) == "ferme"
    assert evaluate.start_of(MORNING) == MORNING.start
    assert MORNING.isoformat() == "2026-12-02T08:00/2026-12-02T12:00"
    assert describe(MORNING) == "mercredi 2 décembre, 8 h–12 h"  # no label: its hours
