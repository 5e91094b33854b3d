"""Evaluate OpenStreetMap ``opening_hours`` expressions: open at a time, next openings.

All times are naive local times in Europe/Paris (the library compares naive datetimes with
the expression's wall-clock hours); French public holidays are known (``PH off`` works).
An opening time is an instant ("ouvert maintenant", a date-time) or a Period ("ouvert le
mercredi matin"): open during a period means open for MIN_OPEN_STRETCH in one stretch
within it (a place open from 11:45 to 12:30 is not "open on Wednesday morning").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

import opening_hours

from mapdir.hours.labels import french_slot_label

PARIS = ZoneInfo("Europe/Paris")
OpenState = Literal["ouvert", "ferme", "inconnu"]

#: the shortest stretch of opening within a period for the place to count as open then
MIN_OPEN_STRETCH = timedelta(minutes=30)


@dataclass(frozen=True)
class Period:
    """A span of France's wall-clock time, ``start`` included, ``end`` excluded, with its
    French label ("mercredi 2 décembre, matin (8 h–12 h)")."""

    start: datetime
    end: datetime
    label: str = ""

    @property
    def stretch(self) -> timedelta:
        """The opening needed in one stretch (the whole period when it is shorter)."""
        return min(MIN_OPEN_STRETCH, self.end - self.start)

    def isoformat(self) -> str:
        """ISO 8601 interval: ``2026-12-02T08:00/2026-12-02T12:00``."""
        start, end = (t.isoformat(timespec="minutes") for t in (self.start, self.end))
        return f"{start}/{end}"


def start_of(when: datetime | Period) -> datetime:
    """The instant, or the period's start."""
    return when.start if isinstance(when, Period) else when


def local_now() -> datetime:
    """The current wall-clock time in France, naive (minute precision)."""
    return datetime.now(PARIS).replace(tzinfo=None, second=0, microsecond=0)


@lru_cache(maxsize=4096)
def parse_hours(expression: str | None) -> opening_hours.OpeningHours | None:
    """The parsed expression (cached per process: the offers a search meets), or None when
    it is empty or not valid OSM syntax."""
    expression = (expression or "").strip()
    if not expression:
        return None
    try:
        return opening_hours.OpeningHours(expression, country="FR")
    except (opening_hours.ParserError, ValueError, TypeError):
        return None


def open_state(expression: str | None, when: datetime | Period) -> OpenState:
    """ "ouvert", "ferme", or "inconnu" (no hours, unparsable hours, or an `unknown` rule), at
    an instant or during a period."""
    parsed = parse_hours(expression)
    if parsed is None:
        return "inconnu"
    if isinstance(when, Period):
        return _open_during(parsed, when)
    when = wall_clock(when)
    if parsed.is_open(when):
        return "ouvert"
    if parsed.is_unknown(when):
        return "inconnu"
    return "ferme"


def _open_during(parsed: opening_hours.OpeningHours, period: Period) -> OpenState:
    """ "ouvert" when open for ``period.stretch`` in one stretch within the period, else
    "inconnu" when some of it is unknown, else "ferme"."""
    longest = run = timedelta(0)
    run_end, unknown = None, False
    start, end = wall_clock(period.start), wall_clock(period.end)
    for begin, finish, state, _comment in parsed.intervals(start, end):
        if state == opening_hours.State.OPEN:
            run = run + (finish - begin) if run_end == begin else finish - begin
            run_end, longest = finish, max(longest, run)
        else:
            unknown |= state == opening_hours.State.UNKNOWN
            run_end = None
    if longest >= period.stretch and longest > timedelta(0):
        return "ouvert"
    return "inconnu" if unknown else "ferme"


def next_openings(
    expression: str | None, start: datetime, count: int = 3, horizon_days: int = 120
) -> list[tuple[datetime, datetime]]:
    """Up to ``count`` open slots (start, end) beginning at or after ``start`` (an ongoing slot
    is included from its real start), within ``horizon_days``."""
    parsed = parse_hours(expression)
    if parsed is None or count <= 0:
        return []
    start = wall_clock(start)
    slots: list[tuple[datetime, datetime]] = []
    end_limit = start + timedelta(days=horizon_days)
    # start a day early so that a slot under way at ``start`` keeps its real beginning
    for begin, end, state, _comment in parsed.intervals(start - timedelta(days=1), end_limit):
        if state != opening_hours.State.OPEN or end <= start:
            continue
        if slots and slots[-1][1] == begin:  # adjacent intervals (comment change): merge
            slots[-1] = (slots[-1][0], end)
            continue
        slots.append((begin, end))
        if len(slots) > count:
            break
    return slots[:count]


def passages(
    expression: str | None, start: datetime, count: int = 3, horizon_days: int = 120
) -> list[dict[str, str]]:
    """Next open slots as JSON-ready dicts: ISO ``debut``/``fin`` and a French ``libelle``."""
    return [
        {
            "debut": begin.isoformat(timespec="minutes"),
            "fin": end.isoformat(timespec="minutes"),
            "libelle": french_slot_label(begin, end),
        }
        for begin, end in next_openings(expression, start, count, horizon_days)
    ]


def wall_clock(when: datetime) -> datetime:
    """France's wall-clock time, naive: an aware datetime is converted, a naive one kept."""
    if when.tzinfo is not None:
        return when.astimezone(PARIS).replace(tzinfo=None)
    return when
