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
from rapidfuzz import fuzz, process
from unidecode import unidecode

from etl.record import PermanenceRecord

OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_DAY_NAMES = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_DAY = "(?:" + "|".join(_DAY_NAMES) + ")"
_ORD = (
    r"(?:[1-5]\s*(?:ieme|eme|ere|er|re|nde|nd|e)\b|premier|premiere|deuxieme|seconde?"
    r"|troisieme|quatrieme|cinquieme|dernier)"
)
_ORD_WORDS = {"premier": 1, "premiere": 1, "deuxieme": 2, "second": 2, "seconde": 2}
_ORD_WORDS |= {"troisieme": 3, "quatrieme": 4, "cinquieme": 5, "dernier": -1}
_DAY_RANGE_RE = re.compile(rf"\b(?:du\s+|de\s+)?({_DAY})s?\s*(?:au|a|-)\s*({_DAY})s?\b")
_DAY_RE = re.compile(rf"\b(?:({_ORD}(?:\s*(?:,|et|&)\s*{_ORD})*)\s+)?({_DAY})s?\b")
_TIME_RE = re.compile(
    r"(?<![\d.,/])([012]?\d)\s*[h:]\s*([0-5]\d)?\s*h?\s*(?:-|a|/|au|jusqu'a)\s*"
    r"([012]?\d)(?:\s*[h:](?:\s*([0-5]\d))?)?(?!\d|[/.]\d|\s*[h:]\s*\d)"
)
_ALT_RE = re.compile(
    r"semaines?\s+(?:paires?|impaires?)|\bsur\s+(?:deux|2)\b|\b1\s*(?:[a-z]+\s*)?/\s*2\b"
    r"|quinze jours|quinzaine|par mois|fois par|\d+\s+semaines|(?:eme|ieme|e)\s+semaines?\b"
    r"|(?:\d\s*(?:ere|er|re|eme|e)|premiere|deuxieme|troisieme|quatrieme)\s+sem\b"
)
_CLOSED_RE = re.compile(rf"\bferme[a-z]*\s+(?:le|les)?\s*(?:{_ORD}\s+)?{_DAY}s?")
_STRONG_SEP_RE = re.compile(r"\.(?:\s+|$|(?=[a-z]{2}))|\n+|!|\?|\s{3,}")
_LOCAL_GAP_RE = re.compile(r"[\s(,]*(?:(?:en|tous les|toutes les|matin|apres[- ]midi)[\s(,]*)*")
_LIEU_RE = re.compile(
    r"mairie annexe|mairie|hotel de ville|mediatheque|bibliotheque|agence postale"
    r"|centre social|salle|maison de pays|maison des services|espace de vie sociale"
)
_LIEU_BEFORE_RE = re.compile(rf"({_LIEU_RE.pattern})(?:\s+(?:de|du|des|d'|la|le|l'|a|en))*\s*$")
_LIEU_AFTER_RE = re.compile(rf"\s*[(\-:,]*\s*({_LIEU_RE.pattern})")
_LIEU_LABELS = {"hotel de ville": "Mairie", "mediatheque": "Médiathèque"}
_LIEU_LABELS |= {"bibliotheque": "Bibliothèque", "espace de vie sociale": "Espace de vie sociale"}
_CONNECTORS = {"sur", "sous", "en", "les", "le", "la", "de", "des", "du", "d", "aux", "lez"}
_SUFFIX_STARTS = {"sur", "sous", "en", "les", "le", "la", "des", "du", "aux", "lez"}
_ARTICLES = {"le", "la", "les", "l"}
_CONTRACTIONS = {"du", "au", "des", "aux"}
_STOP_NAMES = set(_DAY_NAMES) | {
    "mairie", "bus", "poste", "centre", "maison", "salle", "espace", "place", "rue", "route",
    "avenue", "bourg", "val", "mars", "mai", "juin", "juillet", "aout", "service", "services",
    "france", "permanence", "permanences", "saint", "sainte", "commune", "communes",
}  # fmt: skip
_NOT_A_STOP_RE = re.compile(
    r"(?:\b(?:rue|route|chemin|avenue|av|boulevard|bd|allee|impasse|quai|place)"
    r"\s+(?:de\s+la\s+|de\s+l'|de\s+|du\s+|des\s+|d')?|\bpas\s+(?:sur|a|en|au)\s+)$"
)
_PLACE_CUE_RE = re.compile(
    r"\b(?:permanences?|mairie|marche|mediatheque|bibliotheque|quartier|a|au|sur)"
    r"\s+(?:(?:de|du|des)\s+|d')?(?:(?:la|le|les)\s+|l')?"
)
_PLACE_STOP = _STOP_NAMES - {"saint", "sainte", "centre", "maison", "espace", "salle", "val"}
_FUZZY_CUTOFF = 90.0
_CLAUSE_BONUS = 0.9  # punctuation-respecting reading wins unless another is clearly better


def _fold(text: str) -> str:
    """Lower-case ASCII folding that keeps a 1:1 character mapping with ``text``."""
    if text.isascii():
        return text.lower()
    return text.translate(_FOLD_TABLE)


class _FoldTable(dict):
    """str.translate table folding any character to one lower-case ASCII character."""

    def __missing__(self, code: int) -> str:
        ascii_text = unidecode(chr(code)).lower()
        self[code] = ascii_text[0] if ascii_text else " "
        return self[code]


_FOLD_TABLE = _FoldTable()


def _name_tokens(name: str) -> tuple[str, ...]:
    tokens = re.findall(r"[a-z0-9]+", _fold(name))
    return tuple({"st": "saint", "ste": "sainte"}.get(tok, tok) for tok in tokens)


class CommuneIndex:
    """Communes of one département indexed by normalised name; build once, reuse."""

    def __init__(self, communes: Sequence[tuple[str, str]]):
        self.exact: dict[tuple[str, ...], set[tuple[str, str]]] = {}
        self.alias: dict[tuple[str, ...], set[tuple[str, str]]] = {}
        self.prefix: dict[tuple[str, ...], set[tuple[str, str]]] = {}
        self.starts: dict[tuple[str, ...], set[tuple[str, str]]] = {}
        for code, name in communes:
            tokens = _name_tokens(name)
            if not tokens:
                continue
            self.exact.setdefault(tokens, set()).add((code, name))
            if tokens[0] in _ARTICLES and len(tokens) > 1:
                self.alias.setdefault(tokens[1:], set()).add((code, name))
            for cut in range(1, len(tokens)):
                self.starts.setdefault(tokens[:cut], set()).add((code, name))
                if tokens[cut] in _SUFFIX_STARTS and tokens[cut - 1] not in _CONNECTORS:
                    self.prefix.setdefault(tokens[:cut], set()).add((code, name))
        self.max_tokens = max((len(k) for k in self.exact), default=0)
        self.by_length: dict[int, list[str]] = {}
        for tokens in self.exact:
            self.by_length.setdefault(len(tokens), []).append(" ".join(tokens))

    def lookup(self, tokens: tuple[str, ...], after_contraction: bool) -> set[tuple[str, str]]:
        """Communes whose name is ``tokens`` (exact, then article alias, then prefix)."""
        if tokens in self.exact:
            return self.exact[tokens]
        if after_contraction and tokens in self.alias:
            return self.alias[tokens]
        # a name cut before its "-sur-X" part, when no other name starts the same way
        return self.starts[tokens] if tokens in self.prefix else set()

    def fuzzy(self, tokens: tuple[str, ...]) -> set[tuple[str, str]]:
        """The single commune within the strict fuzzy threshold, or an empty set."""
        choices = self.by_length.get(len(tokens), [])
        hits = process.extract(
            " ".join(tokens), choices, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF, limit=2
        )
        if len(hits) != 1 or hits[0][0][0] != tokens[0][0]:
            return set()
        return self.exact[tuple(hits[0][0].split(" "))]


@dataclass
class ExtractionResult:
    permanences: list[PermanenceRecord] = field(default_factory=list)
    reste: str = ""


@dataclass
class _Event:
    kind: str  # "C" commune, "D" days, "T" time ranges, "SEP", "OU"
    start: int
    end: int
    value: object = None


def _commune_events(text: str, low: str, index: CommuneIndex) -> list[_Event]:
    matches = list(re.finditer(r"[a-z0-9]+", low))
    toks = [{"st": "saint", "ste": "sainte"}.get(m.group(), m.group()) for m in matches]
    capital = [text[m.start()].isupper() for m in matches]
    events: list[_Event] = []
    i = 0
    while i < len(toks):
        found, length = _match_at(i, toks, capital, index)
        if found is None:
            i += 1
            continue
        code_name = next(iter(found)) if len(found) == 1 else None
        if _NOT_A_STOP_RE.search(low, max(0, matches[i].start() - 25), matches[i].start()):
            code_name = None  # "route de Besse", "pas sur St Bonnet"
        events.append(_Event("C", matches[i].start(), matches[i + length - 1].end(), code_name))
        i += length
    return events


def _unknown_places(text: str, low: str, taken: list[_Event]) -> list[_Event]:
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
            events.append(_Event("C", start, start + word.end(), None))
    return events


def _match_at(i: int, toks: list[str], capital: list[bool], index: CommuneIndex):
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


def _schedule_events(low: str) -> list[_Event]:
    events: list[_Event] = []
    taken: list[tuple[int, int]] = []
    closed = [m.span() for m in _CLOSED_RE.finditer(low)]
    for m in _DAY_RANGE_RE.finditer(low):
        first, last = _DAY_NAMES.index(m.group(1)), _DAY_NAMES.index(m.group(2))
        if first < last:
            events.append(_Event("D", m.start(), m.end(), [(tuple(range(first, last + 1)), ())]))
            taken.append(m.span())
    for m in _DAY_RE.finditer(low):
        if any(a <= m.start() < b for a, b in taken + closed):
            continue
        nths = tuple(_ordinal(o) for o in re.findall(_ORD, m.group(1))) if m.group(1) else ()
        events.append(_Event("D", m.start(), m.end(), [((_DAY_NAMES.index(m.group(2)),), nths)]))
    for m in _TIME_RE.finditer(low):
        h1, m1, h2, m2 = (int(g) if g else 0 for g in m.groups())
        if h1 * 60 + m1 < h2 * 60 + m2 <= 24 * 60 and m1 < 60 and m2 < 60:
            events.append(_Event("T", m.start(), m.end(), [f"{h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}"]))
    for m in re.finditer(r";|,|//|/|\s-\s|\s-(?=[a-z])|:|\(|\)|\bet\b", low):
        mark = m.group().strip()
        events.append(
            _Event("SEP", m.start(), m.end(), "strong" if mark in (";", "//", "-") else mark)
        )
    for m in re.finditer(r"\bou\b", low):
        events.append(_Event("OU", m.start(), m.end()))
    return events


def _ordinal(token: str) -> int:
    return _ORD_WORDS.get(token, int(token[0]) if token[:1].isdigit() else 0)


def _runs(events: list[_Event]) -> list[list[_Event]]:
    """Merge consecutive events of one kind (C, D, T) into runs; "ou" poisons a C run."""
    runs: list[list[_Event]] = []
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


def _flat(run: list[_Event]) -> list:
    return [value for event in run for value in event.value]  # type: ignore[attr-defined]


@dataclass
class _Group:
    communes: list[_Event]
    sched: list[list[_Event]]
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


def _split(events: list[_Event], is_boundary) -> list[tuple[list[_Event], str]]:
    """Cut an event list at separators, except between two events of the same kind.

    Returns (clause events, strength of the boundary before it: "strong" or "weak")."""
    parts: list[tuple[list[_Event], str]] = [([], "strong")]
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


def _forward(runs: list[list[_Event]], context: dict) -> tuple[list[_Group], int]:
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


def _backward(runs: list[list[_Event]]) -> tuple[list[_Group], int]:
    """Each commune run takes the schedule before it; trailing schedule runs are orphans."""
    groups, previous = [], 0
    for pos, run in enumerate(runs):
        if run[0].kind == "C":
            groups.append(_Group(run, runs[previous:pos], carry=True))
            previous = pos + 1
    return groups, len(runs) - previous


def _clauses(events: list[_Event], low: str) -> tuple[list[_Group], int]:
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

    def is_boundary(sep: _Event) -> str:
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


def _best_local(runs: list[list[_Event]], header: dict) -> list[_Group]:
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
        rules, own, inherited, carried = _pairs(group)
        score += 2 * own + inherited - (0 if rules else 1)
        if group.sched:
            edges = [e for run in group.sched for e in (run[0], run[-1])]
            c_start, c_end = group.communes[0].start, group.communes[-1].end
            gap = min(max(e.start - c_end, c_start - e.end, 0) for e in edges)
            score -= min(gap, 500) / 1000
        chosen.append((group.communes, rules))
    return score, chosen


def _read_fragment(events: list[_Event], low: str) -> list[tuple[list[_Event], list[tuple]]]:
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
    """OSM opening_hours for [(days=[(weekdays, nths)], times=[..])], or None."""
    by_selector: dict[tuple, list[str]] = {}
    for day_specs, times in rules:
        for weekdays, nths in day_specs:
            for weekday in weekdays:
                slots = by_selector.setdefault((weekday, tuple(sorted(set(nths)))), [])
                slots.extend(t for t in times if t not in slots)
    by_times: dict[tuple, list[tuple[int, tuple]]] = {}
    for (weekday, nths), slots in sorted(by_selector.items()):
        by_times.setdefault((nths, tuple(sorted(slots))), []).append((weekday, nths))
    parts = []
    for (nths, slots), selectors in by_times.items():
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
        parts.append((weekdays[0], f"{day_text} {','.join(slots)}"))
    weekdays_used = [w for (w, _) in by_selector]
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
    communes_found = _commune_events(text, low, index)
    communes_found += _unknown_places(text, low, communes_found)
    events = sorted(communes_found + _schedule_events(low), key=lambda e: e.start)
    events = _drop_overlaps(events)
    bounds = [0] + [m.end() for m in _STRONG_SEP_RE.finditer(low)] + [len(text)]
    merged: dict[tuple[str, str | None], PermanenceRecord] = {}
    rules_by_key: dict[tuple[str, str | None], list] = {}
    used: list[tuple[int, int]] = []
    for start, end in zip(bounds, bounds[1:], strict=False):
        fragment = [e for e in events if start <= e.start < end]
        fragment = _drop_alternating(fragment, low, start, end)
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
                key = code
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
        record.horaires = _render(rules_by_key[key])
        if record.horaires:
            permanences.append(record)
    return ExtractionResult(permanences, _rest(text, used))


def _drop_alternating(events: list[_Event], low: str, start: int, end: int):
    """Remove days qualified by an alternation marker ("mardi en semaine impaire");
    return None when a marker qualifies the whole fragment ("1 semaine sur 2, le ...")."""
    days = [e for e in events if e.kind == "D"]
    dropped = set()
    for marker in _ALT_RE.finditer(low, start, end):
        local = [
            d
            for d in days
            if d.start <= marker.start() <= d.end
            or (d.end <= marker.start() and _LOCAL_GAP_RE.fullmatch(low, d.end, marker.start()))
        ]
        if not local:
            return None
        dropped.update(id(d) for d in local)
    return [e for e in events if id(e) not in dropped]


def _drop_overlaps(events: list[_Event]) -> list[_Event]:
    kept: list[_Event] = []
    for event in events:
        if kept and event.start < kept[-1].end:
            if event.kind == "SEP" or kept[-1].kind in ("C", "D", "T"):
                continue
            kept.pop()
        kept.append(event)
    return kept


def _lieu(low: str, start: int, end: int, commune: _Event) -> str | None:
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


_RULE_RE = re.compile(r"^(?P<days>[A-Z][a-z][^ ]*)\s+(?P<times>[\d:,\-]+)$")
_SELECTOR_RE = re.compile(r"([A-Z][a-z])(?:-([A-Z][a-z]))?(?:\[([\d,\-]+)\])?")


def horaires_atoms(horaires: str) -> frozenset[tuple[int, int, str]]:
    """(weekday, nth or 0, "HH:MM-HH:MM") atoms of an additive rule string, for comparison.

    Handles the subset this module produces (weekday lists/ranges, [n] indexes, time lists).
    """
    atoms = set()
    for rule in re.split(r";\s*|,\s+(?=[A-Z])", horaires.strip()):
        match = _RULE_RE.match(rule.strip())
        if not match:
            raise ValueError(f"règle horaire non prise en charge : {rule!r}")
        for first, last, nths in _SELECTOR_RE.findall(match.group("days")):
            a, b = OSM_DAYS.index(first), OSM_DAYS.index(last or first)
            indexes = [int(n) for n in nths.split(",")] if nths else [0]
            for weekday in range(a, b + 1):
                for nth in indexes:
                    for slot in match.group("times").split(","):
                        atoms.add((weekday, nth, slot))
    return frozenset(atoms)
