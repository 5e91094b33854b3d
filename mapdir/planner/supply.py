"""Supply of help: weekly opening hours of an offer (``heures_hebdo``).

The hours an OSM ``opening_hours`` expression is open over four reference weeks, divided by
four: February 2027, Monday 1st to Sunday 28th, a month of exactly four weeks without a
public holiday, so that a weekly rule counts once a week, a monthly one (``Mo[1]``) once in
the four weeks (÷ 4) and a fortnightly one (``week 01-53/2``) twice. Evaluated with the
`opening_hours` library (French holidays known). An expression that cannot be read, or that
is never open but "unknown", has no hours: the caller then uses the default (a setting) and
flags the offer ``heures_estimees``. Seasonal rules are read in February (documented limit).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

import opening_hours

REFERENCE_START = datetime(2027, 2, 1)  # a Monday; February 2027 has 28 days, no holiday
REFERENCE_WEEKS = 4


@lru_cache(maxsize=16384)
def weekly_hours(expression: str | None) -> float | None:
    """Mean weekly open hours over the reference weeks; None when unknown or unreadable."""
    expression = (expression or "").strip()
    if not expression:
        return None
    try:
        parsed = opening_hours.OpeningHours(expression, country="FR")
        end = REFERENCE_START + timedelta(weeks=REFERENCE_WEEKS)
        open_s = unknown_s = 0.0
        for begin, finish, state, _comment in parsed.intervals(REFERENCE_START, end):
            if state == opening_hours.State.OPEN:
                open_s += (finish - begin).total_seconds()
            elif state == opening_hours.State.UNKNOWN:
                unknown_s += (finish - begin).total_seconds()
    except (opening_hours.ParserError, ValueError, TypeError):
        return None
    if open_s == 0 and unknown_s > 0:
        return None
    return open_s / 3600.0 / REFERENCE_WEEKS


def hours_or_default(expression: str | None, default: float) -> tuple[float, bool]:
    """(weekly hours, estimated): the expression's hours, else `default` flagged True."""
    hours = weekly_hours(expression)
    return (default, True) if hours is None else (hours, False)
