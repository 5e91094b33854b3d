"""Weekly hours of an offer (heures_hebdo) and the funders' type of offer."""

from __future__ import annotations

import pytest

from mapdir.offers.type_offre import ACCES_LIBRE, ASSISTANCE, FORMATION, types_of
from mapdir.planner.supply import hours_or_default, weekly_hours


@pytest.mark.parametrize(
    "expression, hours",
    [
        ("Mo-Fr 09:00-12:00,14:00-17:00", 30.0),
        ("Mo-Fr 09:00-12:00,14:00-17:00; PH off", 30.0),  # the reference weeks have no holiday
        ("Mo[1] 09:30-12:00", 2.5 / 4),  # monthly: its hours over four weeks ÷ 4
        ("Fr[2] 09:30-12:00", 2.5 / 4),
        ("week 01-53/2 Tu 09:00-12:00", 1.5),  # fortnightly: two weeks out of four
        ("24/7", 168.0),
        ("off", 0.0),
    ],
)
def test_weekly_hours(expression, hours):
    assert weekly_hours(expression) == pytest.approx(hours)


@pytest.mark.parametrize("expression", [None, "", "   ", "sur rendez-vous", "Mo-Fr unknown"])
def test_unreadable_or_unknown_hours_take_the_default_flagged(expression):
    assert weekly_hours(expression) is None
    assert hours_or_default(expression, 19.0) == (19.0, True)
    assert hours_or_default("Mo 09:00-12:00", 19.0) == (3.0, False)


def test_types_of_offer():
    assert types_of(["acces-internet-materiel"], ["En autonomie"], []) == [ACCES_LIBRE]
    assert types_of(["outils-numeriques-quotidien"], ["Dans un atelier collectif"], []) == [
        FORMATION
    ]
    assert types_of(["demarches-administratives"], ["Accompagnement individuel"], []) == [
        ASSISTANCE
    ]
    # no mode stated: help services make it assistance, equipment alone does not
    assert types_of(["demarches-administratives", "acces-internet-materiel"], [], []) == [
        ASSISTANCE,
        ACCES_LIBRE,
    ]
    assert types_of(["materiel-prix-solidaire"], [], []) == []
    assert types_of([], [], ["Certification PIX"]) == [FORMATION]
