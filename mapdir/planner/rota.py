"""Turning chosen stops into a weekly or fortnightly rota of half-day permanences.

Rules:
- a cycle lasts 1 or 2 weeks; every stop is visited exactly once per cycle;
- each bus works on `weekdays` (default Mon–Fri), two half-days a day (default 09:00-12:00
  and 14:00-17:00), at most `max_half_days_per_week` half-days a week (default 10);
- a day is depot → morning stop → afternoon stop → depot and must not exceed
  `max_daily_drive_min`; drive times: mapdir.geo.travel;
- nearby stops (at most NEARBY_MIN = 20 min apart) share a day, nearest pairs first; the
  others get a day alone while days are free; when stops outnumber days, the pairs whose
  day drives least are formed (never beyond the limit); the morning stop is the one nearer
  the depot (the loop length is the same either way); each day says its driving time;
- `stops` are given in priority order (e.g. MCLP marginal-gain order): when the cycle is
  full the lowest-priority stops are the ones left out, and every stop left out is reported
  with its reason in `unscheduled` (never silently dropped). Days are filled Monday first,
  alternating weeks of the cycle then buses, so a fortnightly load is spread over both weeks.

opening_hours strings (OSM syntax, each one validated with the `opening_hours` package):
weekly `Tu 09:00-12:00`; fortnightly `week 01-53/2 Tu 09:00-12:00` (odd ISO weeks, week 1 of
the cycle) or `week 02-52/2 Tu 09:00-12:00` (even ISO weeks, week 2). `Tu[1,3]` would mean the
1st and 3rd Tuesday of the month in OSM, which is not a fortnight. Caveat: in years with 53
ISO weeks, week 53 and the next week 01 are both odd, so the odd-week stop is visited two
weeks running once in such years; planners should confirm the calendar.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import opening_hours

from mapdir.geo.travel import DEFAULT_DETOUR_FACTOR, DEFAULT_SPEED_KMH
from mapdir.planner.travel import Place, drive_minutes_matrix

WEEKDAYS = ("Mo", "Tu", "We", "Th", "Fr")
WEEKDAY_LABELS_FR = {
    "Mo": "lundi",
    "Tu": "mardi",
    "We": "mercredi",
    "Th": "jeudi",
    "Fr": "vendredi",
    "Sa": "samedi",
    "Su": "dimanche",
}
DEFAULT_HALF_DAYS = (("09:00", "12:00"), ("14:00", "17:00"))
HALF_DAY_LABELS = ("matin", "après-midi")
CYCLE_WEEK_SELECTORS = {1: "week 01-53/2", 2: "week 02-52/2"}
#: two stops at most this far apart (minutes of driving) share a day when days are free
NEARBY_MIN = 20.0


@dataclass(frozen=True)
class RotaSlot:
    """One permanence: which bus, when in the cycle, where, and its OSM opening_hours."""

    bus: int
    week_of_cycle: int
    weekday: str
    weekday_label: str
    half_day: str
    start: str
    end: str
    stop_code: str
    opening_hours: str
    day_drive_minutes: float


@dataclass(frozen=True)
class UnscheduledStop:
    """A stop that could not be scheduled, with the reason (in French, shown to planners)."""

    code: str
    reason: str


@dataclass(frozen=True)
class Rota:
    """The schedule of one cycle and the stops that did not fit."""

    cycle_weeks: int
    depot_code: str
    slots: tuple[RotaSlot, ...]
    unscheduled: tuple[UnscheduledStop, ...]

    @property
    def scheduled_codes(self) -> tuple[str, ...]:
        """Codes of the scheduled stops, in slot order."""
        return tuple(slot.stop_code for slot in self.slots)


def opening_hours_string(weekday: str, start: str, end: str, week_of_cycle: int, cycle: int) -> str:
    """OSM opening_hours for one half-day per cycle (see the module docstring); validated."""
    rule = f"{weekday} {start}-{end}"
    if cycle == 2:
        rule = f"{CYCLE_WEEK_SELECTORS[week_of_cycle]} {rule}"
    try:
        opening_hours.OpeningHours(rule)
    except Exception as error:  # the package raises its own ParserError
        raise ValueError(f"Horaires OSM invalides : {rule!r}.") from error
    return rule


def _check(cycle_weeks: int, buses: int, weekdays: Sequence[str], half_days: Sequence) -> None:
    if cycle_weeks not in (1, 2):
        raise ValueError("Le cycle doit durer 1 ou 2 semaines.")
    if buses < 1:
        raise ValueError("Il faut au moins un bus.")
    if (
        not weekdays
        or len(set(weekdays)) != len(weekdays)
        or set(weekdays) - set(WEEKDAY_LABELS_FR)
    ):
        raise ValueError("Jours invalides : utiliser Mo, Tu, We, Th, Fr, Sa, Su sans doublon.")
    if len(half_days) != 2:
        raise ValueError("Il faut exactement deux demi-journées (matin, après-midi).")


def _pairs(
    candidates: list[int], minutes: np.ndarray, limit: float, days: int, nearby: float
) -> list[tuple[int, ...]]:
    """Days of one or two stops. Nearby stops (at most `nearby` minutes apart) share a day,
    nearest pairs first; then, while there are more stops than `days`, the two stops whose
    shared day drives least are put together. A day never drives more than `limit`.
    Indices are rows of `minutes` (0 is the depot); returned as positions in `candidates`."""

    def loop(a: int, b: int) -> float:
        return minutes[0, a] + minutes[a, b] + minutes[b, 0]

    options = sorted(
        (minutes[a, b], loop(a, b), pa, pb)
        for pa, a in enumerate(candidates)
        for pb, b in enumerate(candidates)
        if pa < pb and loop(a, b) <= limit
    )
    used: set[int] = set()
    units: list[tuple[int, ...]] = []
    for between, _, pa, pb in options:
        if between <= nearby and pa not in used and pb not in used:
            used.update((pa, pb))
            units.append((pa, pb))
    singles = [p for p in range(len(candidates)) if p not in used]
    for _, _, pa, pb in sorted(options, key=lambda o: o[1]):
        if len(units) + len(singles) <= days:
            break
        if pa in singles and pb in singles:
            singles.remove(pa)
            singles.remove(pb)
            units.append((pa, pb))
    return units + [(p,) for p in singles]


def build_rota(
    stops: Sequence[Place],
    depot: Place,
    cycle_weeks: int = 1,
    buses: int = 1,
    weekdays: Sequence[str] = WEEKDAYS,
    half_days: Sequence[tuple[str, str]] = DEFAULT_HALF_DAYS,
    max_half_days_per_week: int = 10,
    max_daily_drive_min: float = 180.0,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
    speed_kmh: float = DEFAULT_SPEED_KMH,
    nearby_min: float = NEARBY_MIN,
) -> Rota:
    """Schedule `stops` (priority order) from `depot`; see the module docstring for rules."""
    _check(cycle_weeks, buses, weekdays, half_days)
    if len({s.code for s in stops}) != len(stops):
        raise ValueError("Un arrêt figure plusieurs fois dans la liste.")
    minutes = drive_minutes_matrix([depot, *stops], [depot, *stops], detour_factor, speed_kmh)
    unscheduled: dict[int, str] = {}
    reachable: list[int] = []
    for row in range(1, len(stops) + 1):
        round_trip = 2 * minutes[0, row]
        if round_trip > max_daily_drive_min:
            unscheduled[row] = (
                f"Trop loin du dépôt : aller-retour de {round_trip:.0f} min, "
                f"au-delà de la limite de {max_daily_drive_min:.0f} min par jour."
            )
        else:
            reachable.append(row)
    # (bus, week) → remaining half-days; days ordered Monday first, then week, then bus.
    budget = {
        (bus, week): min(max_half_days_per_week, 2 * len(weekdays))
        for bus in range(1, buses + 1)
        for week in range(1, cycle_weeks + 1)
    }
    free_days = [
        (bus, week, day)
        for day in weekdays
        for week in range(1, cycle_weeks + 1)
        for bus in range(1, buses + 1)
    ]
    full = "Capacité du cycle dépassée : plus de demi-journée ni de jour libre pour ce bus."
    capacity = sum(budget.values())
    for row in reachable[capacity:]:
        unscheduled[row] = full
    candidates = reachable[:capacity]
    pairs = _pairs(candidates, minutes, max_daily_drive_min, len(free_days), nearby_min)
    units = sorted(pairs, key=min)
    placed: list[tuple[tuple[int, int, str], tuple[int, ...]]] = []
    queue = [tuple(candidates[p] for p in unit) for unit in units]
    while queue:
        unit = queue.pop(0)
        day = next((d for d in free_days if budget[d[:2]] >= len(unit)), None)
        if day is None and len(unit) == 2:
            queue[:0] = [(unit[0],), (unit[1],)]  # try the two stops on separate days
            continue
        if day is None:
            unscheduled[unit[0]] = full
            continue
        free_days.remove(day)
        budget[day[:2]] -= len(unit)
        placed.append((day, tuple(sorted(unit, key=lambda r: (minutes[0, r], r)))))
    slots = []
    order = {d: i for i, d in enumerate(weekdays)}
    for (bus, week, day), unit in sorted(placed, key=lambda p: (p[0][0], p[0][1], order[p[0][2]])):
        loop = minutes[0, unit[0]] + minutes[unit[-1], 0]
        loop += minutes[unit[0], unit[1]] if len(unit) == 2 else 0.0
        for half, row in enumerate(unit):
            start, end = half_days[half]
            slots.append(
                RotaSlot(
                    bus=bus,
                    week_of_cycle=week,
                    weekday=day,
                    weekday_label=WEEKDAY_LABELS_FR[day],
                    half_day=HALF_DAY_LABELS[half],
                    start=start,
                    end=end,
                    stop_code=stops[row - 1].code,
                    opening_hours=opening_hours_string(day, start, end, week, cycle_weeks),
                    day_drive_minutes=float(loop),
                )
            )
    return Rota(
        cycle_weeks=cycle_weeks,
        depot_code=depot.code,
        slots=tuple(slots),
        unscheduled=tuple(
            UnscheduledStop(stops[row - 1].code, reason)
            for row, reason in sorted(unscheduled.items())
        ),
    )


def as_dict(schedule: Rota, names: dict[str, str]) -> dict:
    """The rota as French-keyed JSON: slots, days with their driving, stops left out."""
    days: dict[tuple, dict] = {}
    for slot in schedule.slots:
        key = (slot.bus, slot.week_of_cycle, slot.weekday)
        day = days.setdefault(
            key,
            {
                "bus": slot.bus,
                "semaine": slot.week_of_cycle,
                "jour": slot.weekday_label,
                "arrets": [],
                "conduite_min": round(slot.day_drive_minutes, 1),
            },
        )
        day["arrets"].append(names.get(slot.stop_code, slot.stop_code))
    return {
        "depot": {"code": schedule.depot_code, "nom": names.get(schedule.depot_code)},
        "cycle_semaines": schedule.cycle_weeks,
        "creneaux": [
            {
                "bus": s.bus,
                "semaine": s.week_of_cycle,
                "jour": s.weekday_label,
                "demi_journee": s.half_day,
                "debut": s.start,
                "fin": s.end,
                "code": s.stop_code,
                "nom": names.get(s.stop_code, s.stop_code),
                "horaires": s.opening_hours,
                "conduite_jour_min": round(s.day_drive_minutes, 1),
            }
            for s in schedule.slots
        ],
        "jours": list(days.values()),
        "non_planifies": [
            {"code": u.code, "nom": names.get(u.code, u.code), "motif": u.reason}
            for u in schedule.unscheduled
        ],
    }
