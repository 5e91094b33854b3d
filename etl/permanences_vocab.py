"""French schedule patterns and the commune-name index used by ``etl.permanences_text``.

Day names, ordinals, time ranges, alternation markers, place words, and ``CommuneIndex``
(communes of one département indexed by normalised name, built once per département).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz, process
from unidecode import unidecode

from mapdir.hours.osm import FRENCH_DAYS, OSM_DAYS  # noqa: F401 - OSM_DAYS is re-exported

_DAY_NAMES = FRENCH_DAYS
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
# "semaines paires / impaires": ISO week parity, written in OSM as week 02-52/2 / 01-53/2
_PARITY_RE = re.compile(r"\bsem(?:aines?|\.)?\s+(impaires?|paires?|paries?)\b")
PARITY_WEEKS = {"impair": "01-53/2", "pair": "02-52/2", "parie": "02-52/2"}
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
