"""Opening hours: build and check OpenStreetMap ``opening_hours`` strings.

Three entry points: ``fs_days_to_osm`` (France Services per-weekday columns),
``free_text_to_osm`` (French free text such as "Lundi au vendredi 9h-12h 14h-17h") and
``validate_osm``. None of them ever invents hours: whatever cannot be read with certainty
gives ``None`` and the caller keeps the source text in ``horaires_texte``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

import opening_hours
from unidecode import unidecode

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


def _merge(ranges: list[Range]) -> list[Range]:
    """Union of overlapping or duplicated ranges (sources repeat "09:00-12:00" twice)."""
    merged: list[Range] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


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
    return tuple(_merge(pairs))


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


# ---- free text ---------------------------------------------------------------------------

_DAY_WORDS: dict[str, int] = {}
for _index, _name in enumerate(FRENCH_DAYS):
    for _form in (_name, _name + "s", _name[:3]):
        _DAY_WORDS[_form] = _index
_DAY_WORDS.update({"vend": 4, "merc": 2})
_DAY_WORDS.update({osm.lower(): i for i, osm in enumerate(OSM_DAYS)})

# Words that may surround the days and times without changing their meaning.
_FILLER = {
    "du", "le", "les", "la", "de", "d", "des", "tous", "toutes", "tout", "chaque",
    "horaires", "horaire", "ouverture", "d'ouverture", "accueil", "public", "h",
    "matin", "matins", "apres-midi", "soir", "journee", "en", "continu",
}  # fmt: skip
_DANGLING = {"et", "de", "d", "d'", "a", "au", "du", "le", "les", "ou", ",", "-", "/", "&"}
_RANGE_WORDS = {"au", "a", "-", "–"}
_LIST_WORDS = {",", "et", "/", "&"}
_TOKEN = re.compile(
    r"(?P<time>\d{1,2}\s*[h:]\d{2}(?!\d)|\d{1,2}\s*[h:]\s+\d{2}(?!\s*[h:\d])|\d{1,2}\s*h|\d{1,2}(?=\s*(?:-|/|a\b|$)))"
    r"|(?P<word>apres-midi|d'|[a-z]+\.?)"
    r"|(?P<sep>[-–/,;:.&])"
    r"|(?P<num>\d+)"
)


def _tokens(text: str) -> list[tuple[str, str]] | None:
    clean = unidecode(text).lower().replace("’", "'")
    tokens: list[tuple[str, str]] = []
    position = 0
    for match in _TOKEN.finditer(clean):
        if clean[position : match.start()].strip():
            return None
        position = match.end()
        kind = match.lastgroup or ""
        tokens.append((kind, match.group().strip()))
    if clean[position:].strip():
        return None
    return tokens


def _minutes(token: str) -> int | None:
    found = re.fullmatch(r"(\d{1,2})\s*(?:h|:)?\s*(\d{2})?", token)
    if not found:
        return None
    hours, minutes = int(found.group(1)), int(found.group(2) or 0)
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        return None
    return hours * 60 + minutes


def _close_group(
    week: dict[int, list[Range]], sizes: dict[int, int], days: list[int], times: list[int]
) -> bool:
    """Attach the collected times to the collected days; False when unsure."""
    if not days or not times or len(times) % 2:
        return False
    ranges = [(times[i], times[i + 1]) for i in range(0, len(times), 2)]
    for index, (start, end) in enumerate(ranges):
        if not start < end or start < 6 * 60 or end > 23 * 60:
            return False
        if index and start < ranges[index - 1][1]:
            return False
    for day in days:
        # a later, narrower rule may override a general one ("lun au ven … mer : …")
        if day in week and sizes[day] <= len(days):
            return False
        week[day], sizes[day] = ranges, len(days)
    return True


def free_text_to_osm(text: str | None) -> str | None:
    """Best-effort reading of French free-text hours; None whenever unsure.

    Handles "Lundi au vendredi 9h-12h 14h-17h", "Du lundi au samedi de 14h00 à 18h00",
    "Mar, jeu, ven : 16-18h. Mer : 14-18h", "mar/mer/jeu/ven: 9h/12h",
    "Lun au jeu 8h30/12h 14h/17h ven 8h/12h 14h/16h". Refuses anything with unknown words
    ("sur RDV", "une fois par mois", "période scolaire", "ou"…), times without days, days
    without times, an odd number of times (truncated text) or implausible hours.
    """
    if not text or not text.strip():
        return None
    if validate_osm(text) and re.match(r"^\s*(Mo|Tu|We|Th|Fr|Sa|Su|PH|24/7)", text):
        return text.strip()
    tokens = _tokens(text)
    if not tokens or tokens[-1][1] in _DANGLING:  # "…et de 13h30 à" was cut off
        return None
    week: dict[int, list[Range]] = {}
    sizes: dict[int, int] = {}
    days: list[int] = []
    times: list[int] = []
    pending_range = False  # "lundi au" waiting for its end day
    for kind, value in tokens:
        if kind == "num" and len(times) % 2 and len(value) <= 2:
            kind = "time"  # "14h/17": a bare end hour
        if kind == "word":
            value = value.rstrip(".")
        day = _DAY_WORDS.get(value) if kind == "word" else None
        if day is not None:
            if times:  # a new day group starts: close the previous one
                if not _close_group(week, sizes, days, times):
                    return None
                days, times = [], []
            if pending_range:
                if not days or day <= days[-1]:
                    return None
                days.extend(range(days[-1] + 1, day + 1))
                pending_range = False
            elif day not in days:
                days.append(day)
            continue
        if kind == "time":
            if pending_range or not days:
                return None
            minutes = _minutes(value)
            if minutes is None:
                return None
            times.append(minutes)
            continue
        if value in _RANGE_WORDS and days and not times:
            pending_range = True
            continue
        if value in _RANGE_WORDS or value in _LIST_WORDS or value in {";", ":", "."}:
            continue
        if kind == "word" and value in _FILLER:
            continue
        return None
    if pending_range or not _close_group(week, sizes, days, times):
        return None
    return week_to_osm(week)
