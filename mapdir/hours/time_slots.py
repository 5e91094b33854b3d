"""The half-hour slots of the week that ``offre.etiquettes`` holds beside the filters' tags
(``offre_creneaux``, migration 0008), so that a search filtered on an opening time skips,
in the spatial index, the offers that cannot be open then.

A slot is a half-hour of the week: ``-(1 + 48 × weekday + half-hour)`` (Monday 0, the
half-hours of a day 0-47). An offer holds
the slots in which its hours may be open, ``ANY_TIME`` when the database cannot tell (an
expression beyond the weekly syntax it reads: any time may be open) or ``NO_HOURS`` when
it has none. The tags are a superset: the exact evaluation (mapdir.hours.evaluate) still decides.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from mapdir.hours import evaluate
from mapdir.hours.evaluate import Period

ANY_TIME = -1000
NO_HOURS = -1001


def slot_tag(when: datetime) -> int:
    """The tag of the half-hour slot holding ``when`` (France's wall-clock time)."""
    when = evaluate.wall_clock(when)
    return -1 - 48 * when.weekday() - 2 * when.hour - when.minute // 30


HALF_HOUR = timedelta(minutes=30)


def candidate_tags(when: datetime | Period) -> list[int]:
    """Tags of which an offer possibly open at ``when`` (an instant, or some time in a
    period) holds at least one."""
    if not isinstance(when, Period):
        return [slot_tag(when), ANY_TIME]
    start = evaluate.wall_clock(when.start)
    moment = start.replace(minute=start.minute - start.minute % 30, second=0, microsecond=0)
    tags = set()
    while moment < evaluate.wall_clock(when.end) and len(tags) < 7 * 48:
        tags.add(slot_tag(moment))
        moment += HALF_HOUR
    return sorted(tags) + [ANY_TIME]
