"""Extract itinerant permanences (commune + OSM opening_hours) from French free text.

France Services describe their delocalised permanences only in a free-text comment
("à la mairie de Sauviat-sur-Vige tous les 2ème vendredi de 9h30 à 12h00"). This module
turns such text into ``PermanenceRecord`` rows, favouring precision over recall:

* a commune is recognised only when its name matches exactly one commune of the offer's
  département (accent/case/hyphen-insensitive, "St"/"Ste", optional article after
  "du/au/des/aux", a truncated "-sur-X"-style suffix, or a strict fuzzy match);
  Names after "rue/route de", after "pas sur", or joined by "ou" are not used, and
  capitalised unknown places after a cue ("Permanence de Chambois", "Marché de
  Saint-Genès") stop a schedule from drifting to a neighbouring commune;
* a permanence is produced only with a day (optionally a week of the month) AND hours;
  "le matin"/"l'après-midi" alone never invent hours, and a commune whose schedule is
  not understood is left out (``horaires=None`` is never emitted);
* alternating schedules ("un lundi sur deux", "semaines paires", "1 semaine sur 2",
  "tous les quinze jours", "un jeudi par mois", "1ère sem du mois") have no OSM form
  without a reference week: the day they qualify is dropped, and when the marker
  qualifies no day ("1 semaine sur 2, le mercredi...") the whole sentence is skipped;
* every produced ``horaires`` is validated with the ``opening_hours`` package.

Reading: the text is cut into sentences; in each one, communes (C), days (D) and time
ranges (T) become events, and three readings are scored (clause by clause using the
punctuation, "commune then schedule", "schedule then commune"); the reading that pairs
most days with times, without leftovers, wins. Rules of one commune are merged into one
``horaires`` string (``;`` between rules, ``,`` when two rules share a weekday).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import opening_hours

from etl.permanences_events import Event, commune_events, schedule_events, unknown_places
from etl.permanences_vocab import (  # noqa: F401 - CommuneIndex and OSM_DAYS are re-exported
    _CLAUSE_BONUS,
    _LIEU_AFTER_RE,
    _LIEU_BEFORE_RE,
    _LIEU_LABELS,
    _STRONG_SEP_RE,
    OSM_DAYS,
    CommuneIndex,
    _fold,
)
from etl.permanences_weeks import drop_alternating, without_both_parities
from etl.record import PermanenceRecord


@dataclass
class ExtractionResult:
    permanences: list[PermanenceRecord] = field(default_factory=list)
    reste: str = ""


def _runs(events: list[Event]) -> list[list[Event]]:
    """Merge consecutive events of one kind (C, D, T) into runs; "ou" poisons a C run."""
    runs: list[list[Event]] = []
    pending_ou = strong = False
    for event in events:
        if event.kind == "SEP":
            strong = strong or event.value == "strong"
            continue
        if event.kind == "OU":
            pending_ou = True
            continue
        if runs and runs[-1][0].kind == event.kind and not (strong and event.kind == "C"):
            if event.kind == "C" and pending_ou:
                for commune in runs[-1] + [event]:
                    commune.value = None
            runs[-1].append(event)
        else:
            runs.append([event])
        pending_ou = strong = False
    return runs


def _flat(run: list[Event]) -> list:
    return [value for event in run for value in event.value]  # type: ignore[attr-defined]


@dataclass
class _Group:
    communes: list[Event]
    sched: list[list[Event]]
    context: dict = field(default_factory=dict)  # inherited "D" / "T" values
    carry: bool = False  # inherit from the previous group's schedule (backward reading)


def _pairs(group: _Group) -> tuple[list[tuple], int, int, dict]:
    """Pair day runs with time runs: (rules, own pairs, inherited pairs, last D/T seen)."""
    rules: list[tuple] = []
    own = inherited = 0
    seen = dict(group.context)
    sched, i = group.sched, 0
    while i < len(sched):
        kind = sched[i][0].kind
        partner = sched[i + 1] if i + 1 < len(sched) and sched[i + 1][0].kind != kind else None
        if partner is not None:
            days, times = (sched[i], partner) if kind == "D" else (partner, sched[i])
            rules.append((_flat(days), _flat(times)))
            seen = {"D": _flat(days), "T": _flat(times)}
            own, i = own + 1, i + 2
            continue
        other = "T" if kind == "D" else "D"
        if seen.get(other):
            pair = (_flat(sched[i]), seen["T"]) if kind == "D" else (seen["D"], _flat(sched[i]))
            rules.append(pair)
            seen[kind] = _flat(sched[i])
            inherited += 1
        i += 1
    return rules, own, inherited, seen


def _split(events: list[Event], is_boundary) -> list[tuple[list[Event], str]]:
    """Cut an event list at separators, except between two events of the same kind.

    Returns (clause events, strength of the boundary before it: "strong" or "weak")."""
    parts: list[tuple[list[Event], str]] = [([], "strong")]
    real = [e for e in events if e.kind not in ("SEP", "OU")]
    for event in events:
        strength = is_boundary(event) if event.kind == "SEP" else ""
        if strength:
            before = [e for e in real if e.end <= event.start]
            after = [e for e in real if e.start >= event.end]
            same_kind = before and after and before[-1].kind == after[0].kind
            if not same_kind or (before[-1].kind == "C" and strength == "strong"):
                parts.append(([], strength))
                continue
        parts[-1][0].append(event)
    return [part for part in parts if part[0]]


def _forward(runs: list[list[Event]], context: dict) -> tuple[list[_Group], int]:
    """Each commune run takes the schedule that follows it; leading schedule is context."""
    c_positions = [i for i, run in enumerate(runs) if run[0].kind == "C"]
    context = dict(context)
    for run in runs[: c_positions[0]]:
        context[run[0].kind] = _flat(run)
    groups = []
    for n, pos in enumerate(c_positions):
        end = c_positions[n + 1] if n + 1 < len(c_positions) else len(runs)
        groups.append(_Group(runs[pos], runs[pos + 1 : end], context))
    return groups, 0


def _backward(runs: list[list[Event]]) -> tuple[list[_Group], int]:
    """Each commune run takes the schedule before it; trailing schedule runs are orphans."""
    groups, previous = [], 0
    for pos, run in enumerate(runs):
        if run[0].kind == "C":
            groups.append(_Group(run, runs[previous:pos], carry=True))
            previous = pos + 1
    return groups, len(runs) - previous


def _clauses(events: list[Event], low: str) -> tuple[list[_Group], int]:
    """Read clause by clause (cut at , ; / - and at a colon closing a commune-less header)."""
    groups: list[_Group] = []
    header: dict = {}
    target: _Group | None = None
    last_was_commune = False

    strengths: dict[int, str] = {}
    kinds_since_cut: set[str] = set()
    for event in events:  # one pass: a colon cuts only after a commune-less header
        if event.kind != "SEP":
            kinds_since_cut.add(event.kind)
            continue
        mark = low[event.start : event.end].strip()
        if mark in (";", "//", "-"):
            strength = "strong"
        elif mark == ":":
            strength = "strong" if "T" in kinds_since_cut and "C" not in kinds_since_cut else ""
        else:
            strength = "weak" if mark in (",", "/", "et") else ""
        strengths[id(event)] = strength
        if strength:
            kinds_since_cut = set()

    def is_boundary(sep: Event) -> str:
        return strengths.get(id(sep), "")

    for clause, strength in _split(events, is_boundary):
        runs = _runs(clause)
        if any(run[0].kind == "C" for run in runs):
            found = _best_local(runs, header)
            groups.extend(found)
            target = found[-1] if not found[-1].sched else None
            last_was_commune = True
        elif target is None and last_was_commune and strength == "weak":
            groups[-1].sched.extend(runs)  # "..., et du lundi au vendredi 8h45-11h45"
        elif target is not None:
            target.sched.extend(runs)
        else:
            if last_was_commune:
                header = {}
            for run in runs:
                header[run[0].kind] = _flat(run)
            last_was_commune = False
    return groups, 0


def _best_local(runs: list[list[Event]], header: dict) -> list[_Group]:
    """Groups of one clause: leading schedule goes to the first commune, then the better of
    reading forward or backward when the clause names several communes."""
    c_positions = [i for i, run in enumerate(runs) if run[0].kind == "C"]
    forward, _ = _forward(runs[c_positions[0] :], header)
    forward[0].sched[:0] = runs[: c_positions[0]]
    if len(c_positions) == 1:
        return forward
    backward, orphans = _backward(runs)
    if _score(backward, orphans, header)[0] > _score(forward, 0)[0]:
        return backward
    return forward


def _score(groups: list[_Group], orphans: int, initial: dict | None = None) -> tuple[float, list]:
    score, chosen, carried = -3.0 * orphans, [], dict(initial or {})
    for group in groups:
        if group.carry:
            group.context = carried
        elif carried.get("D") and not any(run[0].kind == "D" for run in group.sched):
            # "vendredi - Val de Bonnieure 8h45/12h15 - Fouqueure 13h30/16h30": same day
            group.context = {**group.context, "D": carried["D"]}
        rules, own, inherited, carried = _pairs(group)
        score += 2 * own + inherited - (0 if rules else 1)
        if group.sched:
            edges = [e for run in group.sched for e in (run[0], run[-1])]
            c_start, c_end = group.communes[0].start, group.communes[-1].end
            gap = min(max(e.start - c_end, c_start - e.end, 0) for e in edges)
            score -= min(gap, 500) / 1000
        chosen.append((group.communes, rules))
    return score, chosen


def _read_fragment(events: list[Event], low: str) -> list[tuple[list[Event], list[tuple]]]:
    runs = _runs(events)
    if not any(run[0].kind == "C" for run in runs):
        return []
    clause_score, clause_reading = _score(*_clauses(events, low))
    best = (clause_score + _CLAUSE_BONUS, clause_reading)
    for reading in (_forward(runs, {}), _backward(runs)):
        scored = _score(*reading)
        if scored[0] > best[0]:
            best = scored
    return best[1]


def _render(rules: list[tuple]) -> str | None:
    """OSM opening_hours for [(days=[(weekdays, nths, week)], times=[..])], or None."""
    by_selector: dict[tuple, list[str]] = {}
    for day_specs, times in rules:
        for weekdays, nths, week in day_specs:
            for weekday in weekdays:
                key = (week, weekday, tuple(sorted(set(nths))))
                slots = by_selector.setdefault(key, [])
                slots.extend(t for t in times if t not in slots)
    by_times: dict[tuple, list[tuple[int, tuple]]] = {}
    for (week, weekday, nths), slots in sorted(by_selector.items()):
        by_times.setdefault((week, nths, tuple(sorted(slots))), []).append((weekday, nths))
    parts = []
    for (week, nths, slots), selectors in by_times.items():
        suffix = "[" + ",".join(str(n) for n in nths) + "]" if nths else ""
        weekdays = [w for w, _ in selectors]
        if (
            not nths
            and len(weekdays) > 2
            and weekdays == list(range(weekdays[0], weekdays[-1] + 1))
        ):
            day_text = f"{OSM_DAYS[weekdays[0]]}-{OSM_DAYS[weekdays[-1]]}"
        else:
            day_text = ",".join(OSM_DAYS[w] + suffix for w in weekdays)
        week_text = f"week {week} " if week else ""
        parts.append((weekdays[0], f"{week_text}{day_text} {','.join(slots)}"))
    weekdays_used = [w for (_, w, _) in by_selector]
    separator = "; " if len(weekdays_used) == len(set(weekdays_used)) else ", "
    result = separator.join(text for _, text in sorted(parts))
    return result if result and opening_hours.validate(result) else None


def extract_permanences(
    text: str | None, communes: Sequence[tuple[str, str]] | CommuneIndex
) -> ExtractionResult:
    """Permanences stated in ``text`` for communes of the given département.

    ``communes`` is either a prebuilt ``CommuneIndex`` (recommended when processing many
    texts of one département) or the list of (INSEE code, official name) pairs.
    """
    index = communes if isinstance(communes, CommuneIndex) else CommuneIndex(communes)
    if not text or not text.strip():
        return ExtractionResult([], (text or "").strip())
    low = _fold(text)
    communes_found = commune_events(text, low, index)
    communes_found += unknown_places(text, low, communes_found)
    events = sorted(communes_found + schedule_events(low), key=lambda e: e.start)
    events = _drop_overlaps(events)
    bounds = [0] + [m.end() for m in _STRONG_SEP_RE.finditer(low)] + [len(text)]
    merged: dict[tuple[str, str], PermanenceRecord] = {}
    rules_by_key: dict[tuple[str, str], list] = {}
    used: list[tuple[int, int]] = []
    for start, end in zip(bounds, bounds[1:], strict=False):
        fragment = [e for e in events if start <= e.start < end]
        fragment = drop_alternating(fragment, low, start, end)
        if fragment is None:
            continue
        for communes_run, rules in _read_fragment(fragment, low):
            if not rules or all(c.value is None for c in communes_run):
                continue
            sentence = text[start:end].strip()
            for commune_event in communes_run:
                if commune_event.value is None:
                    continue
                code, name = commune_event.value  # type: ignore[misc]
                lieu = _lieu(low, start, end, commune_event)
                key = (code, name)  # delegated communes of one commune are separate stops
                rules_by_key.setdefault(key, []).extend(rules)
                record = merged.setdefault(key, PermanenceRecord(commune_nom=name, code_insee=code))
                record.lieu, record.extraite = record.lieu or lieu, True
                if sentence not in (record.texte_original or ""):
                    record.texte_original = " ".join(
                        filter(None, [record.texte_original, sentence])
                    )
            used.append((start, end))
    permanences = []
    for key, record in merged.items():
        record.horaires = _render(without_both_parities(rules_by_key[key]))
        if record.horaires:
            permanences.append(record)
    return ExtractionResult(permanences, _rest(text, used))


def _drop_overlaps(events: list[Event]) -> list[Event]:
    kept: list[Event] = []
    for event in events:
        if kept and event.start < kept[-1].end:
            if event.kind == "SEP" or kept[-1].kind in ("C", "D", "T"):
                continue
            kept.pop()
        kept.append(event)
    return kept


def _lieu(low: str, start: int, end: int, commune: Event) -> str | None:
    """The place named just before the commune ("mairie de X") or right after it."""
    before = low[max(start, commune.start - 40) : commune.start]
    after = low[commune.end : min(end, commune.end + 25)]
    match = _LIEU_BEFORE_RE.search(before) or _LIEU_AFTER_RE.match(after)
    if not match:
        return None
    word = match.group(1)
    return _LIEU_LABELS.get(word, word[:1].upper() + word[1:])


def _rest(text: str, used: list[tuple[int, int]]) -> str:
    pieces, cursor = [], 0
    for start, end in used:
        pieces.append(text[cursor:start])
        cursor = end
    pieces.append(text[cursor:])
    return re.sub(r"\s+", " ", " ".join(pieces)).strip()
