"""The opening time a prescriber asks for, as the API's ``ouvert`` parameter reads it: an
instant or a period (evaluate.Period), in France's wall-clock time.

- ``maintenant``; a date-time ``2026-12-02T10:00``: an instant;
- a day and, optionally, a part of it: ``mercredi-matin``, ``demain-apres-midi``,
  ``aujourd'hui``, ``samedi``, ``2026-12-02-soir``, ``2026-12-02``; a weekday or a part
  alone means the next one that has not ended (today's morning until noon, then
  tomorrow's);
- an ISO 8601 interval ``2026-12-02T09:00/2026-12-02T12:00`` (or ``…T09:00/12:00``), at
  most MAX_PERIOD long.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from unidecode import unidecode

from mapdir.errors import InvalidParameter
from mapdir.hours.evaluate import Period, start_of, wall_clock
from mapdir.hours.labels import JOURS, french_day, french_slot_label, hour_label

#: the parts of a day (start, end); a day without a part is the whole day
PARTS = {
    "matin": (time(8, 0), time(12, 0)),
    "apres-midi": (time(13, 0), time(18, 0)),
    "soir": (time(18, 0), time(22, 0)),
}
PART_LABELS = {"matin": "matin", "apres-midi": "après-midi", "soir": "soir"}
WEEKDAYS = {unidecode(day): index for index, day in enumerate(JOURS)}
RELATIVE_DAYS = {"aujourd-hui": 0, "demain": 1}
MAX_PERIOD = timedelta(days=7)
YEARS = (2000, 2100)
_DAY_PART = re.compile(
    r"^(?:(?P<alone>matin|apres-midi|soir)"
    r"|(?P<day>[a-z]+(?:-hui)?|\d{4}-\d{2}-\d{2})(?:-(?P<part>matin|apres-midi|soir))?)$"
)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
HELP = (
    "Indiquez « maintenant », une date et heure (2026-12-02T10:00), un jour et un moment "
    "(mercredi-matin, demain-apres-midi, aujourd-hui, 2026-12-02-soir, 2026-12-02) ou un "
    "intervalle (2026-12-02T09:00/2026-12-02T12:00)."
)


def parse_open_time(raw: str | None, now: datetime) -> datetime | Period | None:
    """The instant or period of an ``ouvert`` value (``now``: France's wall-clock time);
    None when empty; InvalidParameter (a French message) when unreadable."""
    raw = (raw or "").strip()
    if not raw:
        return None
    slug = _NON_ALNUM.sub("-", unidecode(raw).lower()).strip("-")
    if slug == "maintenant":
        return now
    if "/" in raw:
        return _within_years(_interval(raw))
    found = _DAY_PART.match(slug)
    if found and _known_day(found["day"]):
        return _day_period(found["day"], found["part"] or found["alone"], now, raw)
    try:
        return _within_years(wall_clock(datetime.fromisoformat(raw)))
    except ValueError:
        raise _invalid(raw) from None


def as_iso(when: datetime | Period) -> str:
    """ "2026-12-02T10:00", or the period's ISO 8601 interval."""
    return when.isoformat() if isinstance(when, Period) else when.isoformat(timespec="minutes")


def describe(when: datetime | Period) -> str:
    """ "mercredi 2 décembre à 10 h" or the period's label."""
    if isinstance(when, Period):
        return when.label or french_slot_label(when.start, when.end)
    return f"{french_day(when)} à {hour_label(when)}"


def _within_years(when: datetime | Period) -> datetime | Period:
    _check_year(start_of(when).year)
    return when


def _check_year(year: int) -> None:
    if not YEARS[0] <= year <= YEARS[1]:
        raise InvalidParameter(
            f"« ouvert » : l'année doit être comprise entre {YEARS[0]} et {YEARS[1]}.",
            parametre="ouvert",
        )


def _invalid(raw: str) -> InvalidParameter:
    return InvalidParameter(f"« ouvert » invalide : « {raw} ». {HELP}", parametre="ouvert")


def _bounds(day: date, part: str | None) -> tuple[datetime, datetime]:
    if part is None:
        start = datetime.combine(day, time(0, 0))
        return start, start + timedelta(days=1)
    begin, end = PARTS[part]
    return datetime.combine(day, begin), datetime.combine(day, end)


def _known_day(day: str | None) -> bool:
    return day is None or day in WEEKDAYS or day in RELATIVE_DAYS or day[:1].isdigit()


def _next_day(weekday: int | None, part: str | None, now: datetime) -> date:
    """The first day from today, on ``weekday`` when given, whose ``part`` has not ended."""
    target = now.date()
    while True:
        on_weekday = weekday is None or target.weekday() == weekday
        if on_weekday and _bounds(target, part)[1] > now:
            return target
        target += timedelta(days=1)


def _day_period(day: str | None, part: str | None, now: datetime, raw: str) -> Period:
    if day is None or day in WEEKDAYS:
        target = _next_day(WEEKDAYS.get(day or ""), part, now)
    elif day in RELATIVE_DAYS:
        target = now.date() + timedelta(days=RELATIVE_DAYS[day])
    else:
        try:
            target = date.fromisoformat(day)
        except ValueError:
            raise _invalid(raw) from None
        _check_year(target.year)
    start, end = _bounds(target, part)
    if part is None:
        label = f"{french_day(start)} (toute la journée)"
    else:
        label = f"{french_day(start)}, {PART_LABELS[part]} ({hour_label(start)}–{hour_label(end)})"
    return Period(start, end, label)


def _interval(raw: str) -> Period:
    first, _, second = raw.partition("/")
    try:
        start = datetime.fromisoformat(first.strip())
        second = second.strip()
        if second == "24:00":  # the end of the start's day
            end = datetime.combine(start.date() + timedelta(days=1), time(0, 0))
        elif re.fullmatch(r"\d{1,2}:\d{2}", second):  # an end time on the same day
            end = datetime.combine(start.date(), time.fromisoformat(second.zfill(5)))
        else:
            end = datetime.fromisoformat(second)
    except ValueError:
        raise _invalid(raw) from None
    if start.tzinfo is not None or end.tzinfo is not None:
        raise InvalidParameter(
            f"« ouvert » invalide : « {raw} ». Un intervalle s'écrit en heure de France, sans "
            "fuseau (2026-12-02T09:00/2026-12-02T12:00).",
            parametre="ouvert",
        )
    if end <= start:
        raise InvalidParameter(
            f"« ouvert » invalide : « {raw} ». La fin de l'intervalle doit suivre son début.",
            parametre="ouvert",
        )
    if end - start > MAX_PERIOD:
        raise InvalidParameter(
            f"« ouvert » invalide : « {raw} ». Un intervalle dure au plus 7 jours.",
            parametre="ouvert",
        )
    return Period(start, end, french_slot_label(start, end))
