"""Weekly and fortnightly rotas: one visit per stop, slot and driving limits, reported misfits."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict

import opening_hours
import pytest

from mapdir.planner.mclp import solve_mclp
from mapdir.planner.rota import build_rota, opening_hours_string
from mapdir.planner.synthetic import synthetic_departement
from mapdir.planner.travel import Place, access_by_code, coverage_relation


def minutes_between(a: Place, b: Place) -> float:
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b.lon - a.lon) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(h)) * 1.3 / 50 * 60


@pytest.fixture(scope="module")
def planned():
    """A depot and 16 MCLP stops (in marginal-gain order) on a seeded département."""
    dep = synthetic_departement(300, 4, seed=21)
    current = access_by_code(dep.communes, dep.offers)
    coverage = coverage_relation(dep.communes, dep.communes, 20)
    result = solve_mclp(dep.communes, current, dep.communes, coverage, 16, solver="greedy")
    by_code = {c.code: c for c in dep.communes}
    return dep.offers[0], [by_code[code] for code in result.stop_codes]


def check_rota(rota, stops, depot, limit, max_half_days=10, buses=1) -> None:
    """Invariants every rota must satisfy."""
    scheduled = Counter(rota.scheduled_codes)
    unscheduled = [u.code for u in rota.unscheduled]
    assert all(count == 1 for count in scheduled.values())
    assert set(scheduled).isdisjoint(unscheduled)
    assert sorted([*scheduled, *unscheduled]) == sorted(s.code for s in stops)
    assert all(u.reason for u in rota.unscheduled)
    by_code = {s.code: s for s in stops}
    per_week: Counter = Counter()
    days = defaultdict(list)
    for slot in rota.slots:
        per_week[(slot.bus, slot.week_of_cycle)] += 1
        days[(slot.bus, slot.week_of_cycle, slot.weekday)].append(slot)
        opening_hours.OpeningHours(slot.opening_hours)
        assert 1 <= slot.week_of_cycle <= rota.cycle_weeks and 1 <= slot.bus <= buses
    assert all(count <= max_half_days for count in per_week.values())
    for day_slots in days.values():
        assert len(day_slots) <= 2
        assert day_slots[0].half_day == "matin"
        places = [depot, *(by_code[s.stop_code] for s in day_slots), depot]
        loop = sum(minutes_between(a, b) for a, b in zip(places, places[1:], strict=False))
        assert loop <= limit + 1e-6
        assert day_slots[0].day_drive_minutes == pytest.approx(loop, rel=1e-6)
        if len(day_slots) == 2:
            assert day_slots[1].half_day == "après-midi"
            morning, afternoon = (by_code[s.stop_code] for s in day_slots)
            assert minutes_between(depot, morning) <= minutes_between(depot, afternoon) + 1e-9


def test_weekly_rota_schedules_every_stop_once(planned) -> None:
    depot, stops = planned
    rota = build_rota(stops[:10], depot, max_daily_drive_min=400)
    check_rota(rota, stops[:10], depot, 400)
    assert rota.unscheduled == ()
    assert len(rota.slots) == 10
    assert len({slot.weekday for slot in rota.slots}) == 5  # paired: two stops a day
    assert all(
        re.fullmatch(r"(Mo|Tu|We|Th|Fr) \d\d:\d\d-\d\d:\d\d", s.opening_hours) for s in rota.slots
    )


def test_weekly_capacity_overflow_is_reported(planned) -> None:
    depot, stops = planned
    rota = build_rota(stops, depot, max_daily_drive_min=400, max_half_days_per_week=10)
    check_rota(rota, stops, depot, 400)
    assert len(rota.slots) == 10
    assert len(rota.unscheduled) == 6
    assert all("Capacité" in u.reason for u in rota.unscheduled)
    # The lowest-priority stops (end of the MCLP order) are the ones left out.
    assert {u.code for u in rota.unscheduled} == {s.code for s in stops[10:]}


def test_fortnightly_rota_uses_week_parity(planned) -> None:
    depot, stops = planned
    rota = build_rota(stops, depot, cycle_weeks=2, max_daily_drive_min=400)
    check_rota(rota, stops, depot, 400)
    assert rota.unscheduled == ()
    weeks = Counter(slot.week_of_cycle for slot in rota.slots)
    assert set(weeks) == {1, 2}
    for slot in rota.slots:
        prefix = "week 01-53/2 " if slot.week_of_cycle == 1 else "week 02-52/2 "
        assert slot.opening_hours == f"{prefix}{slot.weekday} {slot.start}-{slot.end}"


def test_driving_limit_rejects_far_stops_and_respects_days(planned) -> None:
    depot, stops = planned
    limit = 120.0
    rota = build_rota(stops, depot, cycle_weeks=2, max_daily_drive_min=limit)
    check_rota(rota, stops, depot, limit)
    too_far = {s.code for s in stops if 2 * minutes_between(depot, s) > limit}
    assert too_far, "the instance should contain stops beyond the driving limit"
    reported = {u.code for u in rota.unscheduled if "Trop loin" in u.reason}
    assert reported == too_far


def test_nearest_stops_are_paired() -> None:
    depot = Place("D", 1.0, 45.0)
    east = [Place("E1", 1.30, 45.0), Place("E2", 1.32, 45.0)]
    west = [Place("W1", 0.70, 45.0), Place("W2", 0.69, 45.0)]
    rota = build_rota([east[0], west[0], east[1], west[1]], depot)
    days = defaultdict(list)
    for slot in rota.slots:
        days[slot.weekday].append(slot.stop_code)
    assert sorted(days.values()) == [["E1", "E2"], ["W1", "W2"]]


def test_odd_half_day_budget_splits_a_pair() -> None:
    depot = Place("D", 1.0, 45.0)
    stops = [Place(f"S{i}", 1.0 + 0.01 * i, 45.0) for i in range(1, 5)]
    rota = build_rota(stops, depot, max_half_days_per_week=3)
    check_rota(rota, stops, depot, 180.0, max_half_days=3)
    assert len(rota.slots) == 3 and [u.code for u in rota.unscheduled] == ["S4"]


def test_two_buses_and_custom_half_days(planned) -> None:
    depot, stops = planned
    rota = build_rota(
        stops,
        depot,
        buses=2,
        half_days=(("08:30", "12:00"), ("13:30", "16:30")),
        max_daily_drive_min=400,
    )
    check_rota(rota, stops, depot, 400, buses=2)
    assert rota.unscheduled == ()
    assert {slot.bus for slot in rota.slots} == {1, 2}
    assert {(s.start, s.end) for s in rota.slots} <= {("08:30", "12:00"), ("13:30", "16:30")}


def test_invalid_parameters_are_rejected() -> None:
    depot = Place("D", 1.0, 45.0)
    stop = Place("S", 1.1, 45.0)
    with pytest.raises(ValueError, match="1 ou 2 semaines"):
        build_rota([stop], depot, cycle_weeks=4)
    with pytest.raises(ValueError, match="plusieurs fois"):
        build_rota([stop, stop], depot)
    with pytest.raises(ValueError, match="Jours invalides"):
        build_rota([stop], depot, weekdays=("Mo", "Mo"))
    with pytest.raises(ValueError, match="Horaires OSM invalides"):
        build_rota([stop], depot, half_days=(("9h", "12h"), ("14:00", "17:00")))
    assert opening_hours_string("Sa", "10:00", "12:00", 2, 2) == "week 02-52/2 Sa 10:00-12:00"
