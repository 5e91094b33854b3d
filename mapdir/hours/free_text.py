"""French free-text opening hours → an OSM ``opening_hours`` string, never inventing
hours: whatever cannot be read with certainty gives None (the caller keeps the text)."""

from __future__ import annotations

import re

from unidecode import unidecode

from mapdir.hours.osm import FRENCH_DAYS, OSM_DAYS, Range, validate_osm, week_to_osm

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
