"""Which opening-hours expressions are open at a given time, among every expression offers
have ever had (table ``offre_horaires``, kept by a trigger; rows are only ever added): what
the search's opening-time scan needs when few offers near the origin are open then ("open
now" at night, "open on Sunday").

Per process, the known expressions are parsed once (fetched again only when the table has
grown, or the database is another: one ``count(*)`` per call) and, for each day asked,
every expression's open spans of that day are computed once (one ``intervals()`` call per
expression); a time of that day is then one vectorised comparison. On the 4,469 real
expressions of the national sources, the former way (fetch them all, parse and evaluate
each at the time, with a parse cache smaller than the set) cost about 190 ms per search;
this costs 35-90 ms the first time a day is asked in a process, then 1-2 ms (measured).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
import opening_hours
from sqlalchemy.engine import Connection

from mapdir.offers import hours_eval, search_sql

#: the table's version: it only grows; the database's name, as a process may use several
#: (the expressions of another database kept in the set are harmless: no offer has them)
VERSION_SQL = "SELECT current_database() AS base, count(*) AS n FROM offre_horaires"
DAYS_KEPT = 32


@dataclass(frozen=True)
class _DaySpans:
    """Open spans of one day: minute of start, minute of end (exclusive), expression index."""

    starts: np.ndarray
    ends: np.ndarray
    owners: np.ndarray


def _day_spans(parsed: list[opening_hours.OpeningHours], day: date) -> _DaySpans:
    begin = datetime.combine(day, time())
    end = begin + timedelta(days=1)
    starts, ends, owners = [], [], []
    for index, hours in enumerate(parsed):
        for start, stop, state, _comment in hours.intervals(begin, end):
            if state == opening_hours.State.OPEN:
                starts.append((start - begin) // timedelta(minutes=1))
                ends.append((stop - begin) // timedelta(minutes=1))
                owners.append(index)
    return _DaySpans(
        np.asarray(starts, dtype=np.int32),
        np.asarray(ends, dtype=np.int32),
        np.asarray(owners, dtype=np.int32),
    )


class OpenExpressions:
    """The expressions open at a time (``open_at``), with the per-process caches above."""

    def __init__(self, days_kept: int = DAYS_KEPT) -> None:
        self._lock = threading.Lock()
        self._version: tuple[str, int] | None = None
        self._expressions: list[str] = []  # the valid ones, in the order of _parsed
        self._parsed: list[opening_hours.OpeningHours] = []
        self._days: OrderedDict[date, _DaySpans] = OrderedDict()
        self._days_kept = days_kept

    def open_at(self, conn: Connection, when: datetime) -> list[str]:
        version = tuple(search_sql.fetch(conn, VERSION_SQL, {})[0])
        with self._lock:
            if version != self._version:
                self._load(conn, version)
            spans = self._spans(when.date())
            expressions = self._expressions
        minute = when.hour * 60 + when.minute
        inside = (spans.starts <= minute) & (minute < spans.ends)
        return [expressions[i] for i in np.unique(spans.owners[inside])]

    def _load(self, conn: Connection, version: tuple[str, int]) -> None:
        known = set(self._expressions)
        for row in search_sql.fetch(conn, search_sql.HOURS_EXPRESSIONS_SQL, {}):
            if row.horaires in known:
                continue
            parsed = hours_eval.parse_hours_uncached(row.horaires)  # kept here
            if parsed is not None:  # unparsable hours are never "open"
                self._expressions.append(row.horaires)
                self._parsed.append(parsed)
        self._version = version
        self._days.clear()

    def _spans(self, day: date) -> _DaySpans:
        spans = self._days.get(day)
        if spans is None:
            spans = self._days[day] = _day_spans(self._parsed, day)
            while len(self._days) > self._days_kept:
                self._days.popitem(last=False)
        else:
            self._days.move_to_end(day)
        return spans


#: the process's instance (the search module's)
OPEN_EXPRESSIONS = OpenExpressions()
