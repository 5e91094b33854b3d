"""OpenStreetMap ``opening_hours`` strings: validate them, and write one from a week of
ranges (days with equal hours grouped: "Mo-Fr 09:00-12:00; Sa 09:00-12:00")."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import opening_hours

OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
FRENCH_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

Range = tuple[int, int]  # minutes since midnight, start < end


def validate_osm(value: str | None) -> bool:
    """Whether ``value`` is a valid OSM opening_hours expression (opening-hours-py)."""
    return bool(value and value.strip()) and opening_hours.validate(value.strip())


def _fmt(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _day_list(days: Sequence[int]) -> str:
    """[0, 1, 2, 4] → "Mo-We,Fr" (ranges for 3+ consecutive days)."""
    parts: list[str] = []
    start = prev = days[0]
    for day in [*days[1:], None]:
        if day is not None and day == prev + 1:
            prev = day
            continue
        if prev - start >= 2:
            parts.append(f"{OSM_DAYS[start]}-{OSM_DAYS[prev]}")
        else:
            parts.extend(OSM_DAYS[d] for d in range(start, prev + 1))
        if day is not None:
            start = prev = day
    return ",".join(parts)


def week_to_osm(week: Mapping[int, Sequence[Range]]) -> str | None:
    """Day index (0 = Monday) → ranges, as an OSM string grouping days with equal hours.

    ``{0: [(540, 720)], 1: [(540, 720)], 5: [(540, 720)]}`` → "Mo,Tu,Sa 09:00-12:00".
    """
    groups: dict[str, list[int]] = {}
    for day in sorted(week):
        ranges = week[day]
        if not ranges:
            continue
        key = ",".join(f"{_fmt(a)}-{_fmt(b)}" for a, b in ranges)
        groups.setdefault(key, []).append(day)
    if not groups:
        return None
    rules = sorted(groups.items(), key=lambda item: item[1][0])
    text = "; ".join(f"{_day_list(days)} {hours}" for hours, days in rules)
    return text if validate_osm(text) else None


def merge_ranges(ranges: list[Range]) -> list[Range]:
    """Union of overlapping or duplicated ranges (sources repeat "09:00-12:00" twice)."""
    merged: list[Range] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


_RULE_RE = re.compile(
    r"^(?:week (?P<week>[\d\-/]+)\s+)?(?P<days>[A-Z][a-z][^ ]*)\s+(?P<times>[\d:,\-]+)$"
)
_SELECTOR_RE = re.compile(r"([A-Z][a-z])(?:-([A-Z][a-z]))?(?:\[([\d,\-]+)\])?")


def horaires_atoms(horaires: str) -> frozenset[tuple]:
    """(weekday, nth or 0, "HH:MM-HH:MM"[, week]) atoms of an additive rule string, for
    comparison.

    Handles the subset that etl.permanences_text produces (week parity, weekday
    lists/ranges, [n] indexes, time lists).
    """
    atoms = set()
    for rule in re.split(r";\s*|,\s+(?=[A-Z]|week )", horaires.strip()):
        match = _RULE_RE.match(rule.strip())
        if not match:
            raise ValueError(f"règle horaire non prise en charge : {rule!r}")
        for first, last, nths in _SELECTOR_RE.findall(match.group("days")):
            a, b = OSM_DAYS.index(first), OSM_DAYS.index(last or first)
            indexes = [int(n) for n in nths.split(",")] if nths else [0]
            for weekday in range(a, b + 1):
                for nth in indexes:
                    for slot in match.group("times").split(","):
                        week = match.group("week")
                        atoms.add((weekday, nth, slot, week) if week else (weekday, nth, slot))
    return frozenset(atoms)
