"""Opening hours of the France Services files: per-weekday columns → OSM ``opening_hours``.

The rest of the hours (OSM syntax, French free text, evaluation) lives in mapdir.hours.
Nothing here
ever invents hours: a day that cannot be read with certainty gives ``None`` and the caller
keeps the source text in ``horaires_texte``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from unidecode import unidecode

from mapdir.hours.osm import FRENCH_DAYS, Range, merge_ranges, week_to_osm

_TIME = re.compile(r"(\d{1,2})\s*(?:[:h](\d{2})|[:h]\s+(\d{2})(?!\s*[h:])|h)?")
_FS_SEPARATORS = re.compile(r"^[\s\-/,:;h]*$")


def parse_fs_day(text: str | None) -> list[Range] | None:
    """One France Services day cell → ranges; ``[]`` when closed/empty; None if unreadable.

    "09:00 - 12:00 / 13:30 - 17:00", "9h-12h", "09:00-12:00/14:00-17:00", "-" (closed).
    "00:00 - 00:00" placeholders are dropped; duplicated or overlapping ranges are merged.
    Times must come in ascending pairs, between 05:00 and 24:00.
    """
    ranges = _parse_fs_day(text or "")
    return None if ranges is None else list(ranges)


@lru_cache(maxsize=4096)
def _parse_fs_day(text: str) -> tuple[Range, ...] | None:
    if not text.strip() or text.strip() == "-":
        return ()
    times: list[int] = []
    position = 0
    for match in _TIME.finditer(text):
        if not _FS_SEPARATORS.match(text[position : match.start()]):
            return None
        hours, minutes = int(match.group(1)), int(match.group(2) or match.group(3) or 0)
        if hours > 24 or minutes > 59 or (hours == 24 and minutes):
            return None
        times.append(hours * 60 + minutes)
        position = match.end()
    if not _FS_SEPARATORS.match(text[position:]) or len(times) % 2:
        return None
    pairs = [(times[i], times[i + 1]) for i in range(0, len(times), 2)]
    pairs = [p for p in pairs if p != (0, 0)]
    previous_start = -1
    for start, end in pairs:
        if not start < end or start < 5 * 60 or start < previous_start:
            return None
        previous_start = start
    return tuple(merge_ranges(pairs))


def fs_days_to_osm(days: Mapping[str, str | None]) -> str | None:
    """France Services columns (``h_lundi``…``h_samedi`` or ``lundi``…) → OSM string.

    Returns None when no day has hours or when any non-empty day cannot be read (the
    caller then keeps the text in ``horaires_texte``).
    """
    week: dict[int, list[Range]] = {}
    for key, value in days.items():
        name = unidecode(key).lower().removeprefix("h_")
        if name not in FRENCH_DAYS:
            continue
        ranges = parse_fs_day(value)
        if ranges is None:
            return None
        week[FRENCH_DAYS.index(name)] = ranges
    return week_to_osm(week)
