"""Alternating weeks in permanence texts: "semaines paires / impaires" become the OSM week
parity of the days they qualify (``week 02-52/2`` even, ``week 01-53/2`` odd); other
alternations ("un lundi sur deux") have no OSM form without a reference week and their
days are dropped (used by ``etl.permanences_text``)."""

from __future__ import annotations

from etl.permanences_events import Event
from etl.permanences_vocab import _ALT_RE, _LOCAL_GAP_RE, _PARITY_RE, PARITY_WEEKS


def drop_alternating(events: list[Event], low: str, start: int, end: int):
    """Days qualified by "semaines paires/impaires" take the OSM week parity (``week
    02-52/2``); other alternations ("un lundi sur deux") have no OSM form without a
    reference week and their days are removed. A parity marker qualifies the day just
    before it ("lundi (semaines impaires)", "jeudi de 9h à 12h en semaine paire") or, as a
    header ("Les semaines impaires : lundi…", at the start of a sentence), the days that
    follow it up to the next marker. Returns None when a marker qualifies no day."""
    days = [e for e in events if e.kind == "D"]
    dropped, weeks = set(), {}
    markers = list(_ALT_RE.finditer(low, start, end))
    parities = [(m, _PARITY_RE.search(low, m.start(), m.end())) for m in markers]
    for n, (marker, parity) in enumerate(parities):
        local = [d for d in days if _qualifies(d, events, marker.start(), low)]
        if parity and not local and _is_header(events, marker, low, start):
            stop = next((m.start() for m, p in parities[n + 1 :] if p), end)
            local = [d for d in days if marker.end() <= d.start < stop]
        if not local:
            return None
        if parity:
            week = PARITY_WEEKS["impair" if parity.group(1).startswith("impair") else "pair"]
            weeks.update((id(d), week) for d in local if id(d) not in weeks)
        else:
            dropped.update(id(d) for d in local)
    for day in days:
        if id(day) in weeks and id(day) not in dropped:
            day.value = [(w, n, weeks[id(day)]) for w, n, _ in day.value]  # type: ignore
    return [e for e in events if id(e) not in dropped]


def _qualifies(day: Event, events: list[Event], at: int, low: str) -> bool:
    """Whether a marker at ``at`` qualifies ``day``: inside it, right after it, or right
    after its time range ("jeudi de 9h à 12h (semaines paires)")."""
    if day.start <= at <= day.end:
        return True
    if day.end <= at and _LOCAL_GAP_RE.fullmatch(low, day.end, at):
        return True
    between = [e for e in events if day.end <= e.start and e.end <= at and e.kind != "SEP"]
    return (
        len(between) == 1
        and between[0].kind == "T"
        and bool(_LOCAL_GAP_RE.fullmatch(low, between[0].end, at))
    )


def _is_header(events: list[Event], marker, low: str, start: int) -> bool:
    """A marker that opens a list ("Les semaines impaires : …", or first in its sentence)."""
    if low[marker.end() :].lstrip().startswith(":"):
        return True
    return not any(e.kind in ("C", "D", "T") and start <= e.start < marker.start() for e in events)


def without_both_parities(rules: list[tuple]) -> list[tuple]:
    """Drop a day given at the same hours in even AND odd weeks: alternation says the
    two weeks differ, so one of the two belongs elsewhere ("permanence Blangy le mardi en
    semaine impaire de 13h30 à 17h30, permanence le mardi en semaine paire de 13h30 à
    17h30": the even Tuesdays are the office's own)."""
    weeks: dict[tuple, set[str]] = {}
    for day_specs, times in rules:
        for weekdays, nths, week in day_specs:
            for weekday in weekdays:
                weeks.setdefault((weekday, nths, tuple(times)), set()).add(week)
    both = {key for key, seen in weeks.items() if {"01-53/2", "02-52/2"} <= seen}
    if not both:
        return rules
    kept = []
    for day_specs, times in rules:
        specs = [
            (tuple(w for w in weekdays if (w, nths, tuple(times)) not in both or not week),
             nths, week)
            for weekdays, nths, week in day_specs
        ]  # fmt: skip
        specs = [spec for spec in specs if spec[0]]
        if specs:
            kept.append((specs, times))
    return kept
