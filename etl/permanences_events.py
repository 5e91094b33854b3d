"""The events of a permanence text (etl.permanences_text): communes (C), days (D) and time
ranges (T) found in a sentence, and the capitalised unknown places that stop a schedule
from drifting to a neighbouring commune."""

from __future__ import annotations

import re
from dataclasses import dataclass

from etl.permanences_vocab import (
    _ARTICLES,
    _CLOSED_RE,
    _CONNECTORS,
    _CONTRACTIONS,
    _DAY_NAMES,
    _DAY_RANGE_RE,
    _DAY_RE,
    _NOT_A_STOP_RE,
    _ORD,
    _ORD_WORDS,
    _PLACE_CUE_RE,
    _PLACE_STOP,
    _STOP_NAMES,
    _TIME_RE,
    CommuneIndex,
)


@dataclass
class Event:
    kind: str  # "C" commune, "D" days, "T" time ranges, "SEP", "OU"
    start: int
    end: int
    value: object = None


def commune_events(text: str, low: str, index: CommuneIndex) -> list[Event]:
    matches = list(re.finditer(r"[a-z0-9]+", low))
    toks = [{"st": "saint", "ste": "sainte"}.get(m.group(), m.group()) for m in matches]
    capital = [text[m.start()].isupper() for m in matches]
    events: list[Event] = []
    i = 0
    while i < len(toks):
        found, length = match_at(i, toks, capital, index)
        if found is None:
            i += 1
            continue
        code_name = next(iter(found)) if len(found) == 1 else None
        if _NOT_A_STOP_RE.search(low, max(0, matches[i].start() - 25), matches[i].start()):
            code_name = None  # "route de Besse", "pas sur St Bonnet"
        events.append(Event("C", matches[i].start(), matches[i + length - 1].end(), code_name))
        i += length
    return events


def unknown_places(text: str, low: str, taken: list[Event]) -> list[Event]:
    """Capitalised place names after a place cue that are not communes of the index
    ("Permanence de Chambois", "Marché de Saint-Genès"): they stop a schedule from
    drifting to a neighbouring commune."""
    events = []
    for m in _PLACE_CUE_RE.finditer(low):
        start = m.end()
        if start >= len(text) or not text[start].isupper():
            continue
        if any(e.start <= start < e.end for e in taken) or _DAY_RE.match(low, start):
            continue
        word = re.match(r"[a-z0-9]+", low[start:])
        if word and word.group() not in _PLACE_STOP and len(word.group()) > 2:
            events.append(Event("C", start, start + word.end(), None))
    return events


def match_at(i: int, toks: list[str], capital: list[bool], index: CommuneIndex):
    """(candidate communes, token count) of the longest name starting at token ``i``."""
    if toks[i].isdigit() or not (capital[i] or toks[i] in _ARTICLES):
        return None, 0
    after_contraction = i > 0 and toks[i - 1] in _CONTRACTIONS
    for length in range(min(index.max_tokens, len(toks) - i), 0, -1):
        key = tuple(toks[i : i + length])
        if length == 1 and key[0] in _STOP_NAMES:
            continue
        significant = [capital[j] for j in range(i, i + length) if toks[j] not in _CONNECTORS]
        if not any(significant):
            continue
        found = index.lookup(key, after_contraction)
        if found:
            return found, length
    for length in (3, 2, 1):
        key = tuple(toks[i : i + length])
        if len(key) < length or len(" ".join(key)) < 8 or key[0] in _STOP_NAMES:
            continue
        if not all(capital[j] or toks[j] in _CONNECTORS for j in range(i, i + length)):
            continue
        found = index.fuzzy(key)
        if found:
            return found, length
    return None, 0


def schedule_events(low: str) -> list[Event]:
    events: list[Event] = []
    taken: list[tuple[int, int]] = []
    closed = [m.span() for m in _CLOSED_RE.finditer(low)]
    for m in _DAY_RANGE_RE.finditer(low):
        first, last = _DAY_NAMES.index(m.group(1)), _DAY_NAMES.index(m.group(2))
        if first < last:
            days = [(tuple(range(first, last + 1)), (), "")]
            events.append(Event("D", m.start(), m.end(), days))
            taken.append(m.span())
    for m in _DAY_RE.finditer(low):
        if any(a <= m.start() < b for a, b in taken + closed):
            continue
        nths = tuple(ordinal(o) for o in re.findall(_ORD, m.group(1))) if m.group(1) else ()
        days = [((_DAY_NAMES.index(m.group(2)),), nths, "")]  # (weekdays, nths, OSM week)
        events.append(Event("D", m.start(), m.end(), days))
    for m in _TIME_RE.finditer(low):
        h1, m1, h2, m2 = (int(g) if g else 0 for g in m.groups())
        if h1 * 60 + m1 < h2 * 60 + m2 <= 24 * 60 and m1 < 60 and m2 < 60:
            events.append(Event("T", m.start(), m.end(), [f"{h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}"]))
    for m in re.finditer(r";|,|//|/|\s-\s|\s-(?=[a-z])|:|\(|\)|\bet\b", low):
        mark = m.group().strip()
        events.append(
            Event("SEP", m.start(), m.end(), "strong" if mark in (";", "//", "-") else mark)
        )
    for m in re.finditer(r"\bou\b", low):
        events.append(Event("OU", m.start(), m.end()))
    return events


def ordinal(token: str) -> int:
    return _ORD_WORDS.get(token, int(token[0]) if token[:1].isdigit() else 0)
