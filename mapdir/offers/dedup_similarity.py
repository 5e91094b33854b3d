"""How the duplicate scorer (``mapdir.offers.dedup_score``) compares two records: names
(their distinctive words and the kinds of place they designate), addresses (house numbers,
street type and name), SIRETs and contacts. Pure functions, cached: the national run compares
every candidate pair, and the same name or address comes back in many pairs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz
from unidecode import unidecode

NULL_SIRET = "00000000000000"
ITINERANT = "itinerant"
FRANCE_SERVICES = "france_services"

# Words that say what kind of place a name designates (after normalisation).
KIND_PATTERNS: dict[str, str] = {
    FRANCE_SERVICES: r"\b(france services?|efs|msap"
    r"|maisons? (de |des )?services? (au )?publics?)\b",
    ITINERANT: r"\b(bus|itinerante?s?|camping car|mobile)\b",
    # a town hall, its intercommunality and the département are three different desks
    "mairie": r"\b(mairie|commune|ville|hotel de ville)\b",
    "intercommunalite": r"\b(communaute|cc|ca|agglomeration|agglo|metropole|syndicat)\b",
    "departement": r"\b(departement|conseil departemental)\b",
    "bibliotheque": r"\b(mediatheques?|bibliotheques?|bfm|lecture)\b",
    "epn": r"\b(cyber ?base|cyber ?espace|epn|espace public numerique|tiers lieux?|fab ?lab)\b",
    "centre_social": r"\b(centres? sociaux|centres? social|socio ?culturels?|csc|maison de quartier"
    r"|mjc|maison des jeunes)\b",
    "ccas": r"\b(ccas|cias|centre (inter)?communal d action sociale)\b",
    "social_departemental": r"\b(mds|mdsi|msd|cms|sdsei|msvs|pms|maison du departement"
    r"|maison departementale|territoire d action sociale|action sociale|pole medico social"
    r"|centre medico social|maison (de la |des )?solidarites?( departementales?)?)\b",
    "mission_locale": r"\bmission locale\b",
    "emploi": r"\b(maison (de l |de )?emploi|pole emploi|france travail|cite de l emploi)\b",
    "poste": r"\b(la poste|agence postale|bureau de poste)\b",
}
_KIND_RES = {kind: re.compile(pattern) for kind, pattern in KIND_PATTERNS.items()}
# A France Services run by these is the same counter (La Poste, PIMMS médiation points).
FS_SAME_COUNTER_KINDS = {"poste"}
NAME_STOP_WORDS = frozenset(
    "de du des la le les l d et a au aux en sur sous un une the pour par ses son sa "
    "espace espaces maison point lieu accueil association ass asso site antenne".split()
)
NAME_REWRITES = [
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"\bst\b", "saint"),
        (r"\bste\b", "sainte"),
        (r"\bfrance service\b", "france services"),
        (r"\bcommunaute de communes\b", "cc"),
        (r"\bcommunaute d agglomeration\b", "ca"),
        (r"\bcentre communal d action sociale\b", "ccas"),
        (r"\bpoint information mediation multi services\b", "pimms"),
    )
]
STREET_TYPES = {
    "r": "rue", "av": "avenue", "ave": "avenue", "bd": "boulevard", "bld": "boulevard",
    "bvd": "boulevard", "boul": "boulevard", "pl": "place", "all": "allee", "rte": "route",
    "ch": "chemin", "chem": "chemin", "imp": "impasse", "sq": "square", "fg": "faubourg",
    "fbg": "faubourg", "crs": "cours", "qu": "quai", "res": "residence", "lot": "lotissement",
    "esp": "esplanade", "prom": "promenade", "pass": "passage", "rpt": "rond point",
}  # fmt: skip
STREET_WORDS = {
    "st": "saint", "ste": "sainte", "mal": "marechal", "gal": "general", "gen": "general",
    "pdt": "president", "pres": "president", "dr": "docteur", "cdt": "commandant",
    "lt": "lieutenant", "n": "", "no": "",
}  # fmt: skip
STREET_TYPE_WORDS = frozenset(STREET_TYPES.values()) | {"chaussee", "voie", "mail", "parvis"}
ADDRESS_STOP_WORDS = frozenset("de du des la le les l d et a au aux en".split())
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_SPACES = re.compile(r"\s+")
_POSTCODE_TAIL = re.compile(r"\b\d{5}\b.*$")
_POSTAL_BOX = re.compile(r"\b(bp|cs)\s*\d+\b|\bcedex\b")
_NON_ADDRESS = re.compile(r"[^a-z0-9/-]+")
_RANGE_SIGNS = re.compile(r"[/-]")
_SIRET = re.compile(r"\d{14}")
_NON_DIGIT = re.compile(r"\D")
_NUMBER = re.compile(r"^(\d+)(?:\s*[-/a]\s*(\d+))?\s*(bis|ter|quater|b|t)?\b\s*")


@lru_cache(maxsize=65536)
def _plain(text: str) -> str:
    return _NON_ALNUM.sub(" ", unidecode(text or "").lower()).strip()


@lru_cache(maxsize=65536)
def _rewritten(nom: str) -> str:
    text = _plain(nom)
    for regex, replacement in NAME_REWRITES:
        text = regex.sub(replacement, text)
    return text


@lru_cache(maxsize=65536)
def name_kinds(nom: str) -> frozenset[str]:
    """Kinds of place a name designates, e.g. {"collectivite"} for "Mairie de Nexon"."""
    text = _rewritten(nom)
    return frozenset(kind for kind, regex in _KIND_RES.items() if regex.search(text))


@lru_cache(maxsize=65536)
def normalize_name(nom: str) -> str:
    """Distinctive words of a name: no accents, no kind words ("france services", "mairie"),
    no stop words ("de", "espace"…): "Espace France Services de Sceaux" -> "sceaux"."""
    text = _rewritten(nom)
    for regex in _KIND_RES.values():
        text = regex.sub(" ", text)
    return " ".join(word for word in text.split() if word not in NAME_STOP_WORDS)


@lru_cache(maxsize=65536)
def _without_place(core: str, place: str) -> str:
    """``core`` without the words of a commune's name ("secours catholique vernon" →
    "secours catholique"): "Commune de Vernon" and "Secours catholique de Vernon" only
    share the place they are in."""
    if not place:
        return core
    return " ".join(re.sub(rf"(^| ){re.escape(place)}( |$)", " ", f" {core} ").split())


def name_similarity(nom_a: str, nom_b: str, communes: tuple[str, ...] = ()) -> float:
    """0–1 similarity of the distinctive words; kinds decide when one name has none.
    The words of the communes' names are no evidence and are left out."""
    core_a, core_b = normalize_name(nom_a), normalize_name(nom_b)
    for commune in communes:
        place = normalize_name(commune)
        core_a, core_b = _without_place(core_a, place), _without_place(core_b, place)
    if not core_a or not core_b:
        shared_kind = name_kinds(nom_a) & name_kinds(nom_b)
        if not core_a and not core_b:
            return 1.0 if shared_kind else 0.5
        # a kind and a commune only ("Médiathèque de Couzeix") against a real name
        return 0.8 if shared_kind else 0.3
    set_ratio = fuzz.token_set_ratio(core_a, core_b)
    sort_ratio = fuzz.token_sort_ratio(core_a, core_b)
    return round((0.6 * set_ratio + 0.4 * sort_ratio) / 100, 3)


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    numbers: tuple[int, int] | None  # first and last house number of a range
    suffix: str  # "bis", "ter"…
    street_type: str
    street: str  # the street name without its type


@lru_cache(maxsize=65536)
def normalize_address(adresse: str | None) -> ParsedAddress:
    """Split "5-9 R. des Papetiers, 01200 X" into numbers (5, 9), type "rue", name "papetiers"."""
    text = _POSTCODE_TAIL.sub("", unidecode(adresse or "").lower())  # postcode, commune
    text = _SPACES.sub(" ", _NON_ADDRESS.sub(" ", _POSTAL_BOX.sub(" ", text))).strip()
    numbers, suffix = None, ""
    match = _NUMBER.match(text)
    if match:
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) else first
        if first > 0 and last >= first:
            numbers = (first, last)
        suffix = {"b": "bis", "t": "ter"}.get(match.group(3) or "", match.group(3) or "")
        text = text[match.end() :]
    words = _RANGE_SIGNS.sub(" ", text).split()
    words = [STREET_WORDS.get(w, w) for w in words]
    words = [STREET_TYPES.get(w, w) if i == 0 else w for i, w in enumerate(words)]
    street_type = words[0] if words and words[0] in STREET_TYPE_WORDS else ""
    rest = words[1:] if street_type else words
    street = " ".join(w for w in rest if w and w not in ADDRESS_STOP_WORDS)
    return ParsedAddress(numbers, suffix, street_type, street)


def address_similarity(adresse_a: str | None, adresse_b: str | None) -> float | None:
    """0–1 similarity of two addresses; None when one is missing. Different house numbers in
    the same street give at most 0.6 (neighbours), a different street type loses 0.1."""
    a, b = normalize_address(adresse_a), normalize_address(adresse_b)
    if not a.street or not b.street:
        return None
    similarity = (
        max(
            fuzz.token_set_ratio(a.street, b.street),
            fuzz.ratio(a.street.replace(" ", ""), b.street.replace(" ", "")),  # "JacquesCartier"
        )
        / 100
    )
    if a.street_type and b.street_type and a.street_type != b.street_type:
        similarity -= 0.1
    if a.numbers and b.numbers:
        overlap = a.numbers[0] <= b.numbers[1] and b.numbers[0] <= a.numbers[1]
        if not overlap or (a.suffix != b.suffix and a.numbers == b.numbers):
            similarity *= 0.6
    elif a.numbers or b.numbers:
        similarity *= 0.9
    return round(max(0.0, similarity), 3)


@lru_cache(maxsize=65536)
def valid_siret(pivot: str | None) -> str | None:
    digits = "".join((pivot or "").split())
    return digits if _SIRET.fullmatch(digits) and digits != NULL_SIRET else None


@lru_cache(maxsize=65536)
def phone_numbers(values: tuple[str, ...]) -> frozenset[str]:
    phones = set()
    for value in values:
        digits = _NON_DIGIT.sub("", value or "")
        if digits.startswith("33") and len(digits) == 11:
            digits = "0" + digits[2:]
        if len(digits) == 10:
            phones.add(digits)
    return frozenset(phones)


@lru_cache(maxsize=65536)
def email_addresses(values: tuple[str, ...]) -> frozenset[str]:
    return frozenset(v.strip().lower() for v in values if v and "@" in v)


def kinds_conflict(nom_a: str, nom_b: str) -> str | None:
    """Why two names designate different kinds of service point, or None."""
    kinds_a, kinds_b = name_kinds(nom_a), name_kinds(nom_b)
    if (ITINERANT in kinds_a) != (ITINERANT in kinds_b):
        return "service itinérant d'un côté, lieu fixe de l'autre"
    fs_a, fs_b = FRANCE_SERVICES in kinds_a, FRANCE_SERVICES in kinds_b
    if fs_a != fs_b:
        other = (kinds_b if fs_a else kinds_a) - {ITINERANT}
        if other - FS_SAME_COUNTER_KINDS:
            return "France services d'un côté, structure hôte ou voisine de l'autre"
        return None
    rest_a, rest_b = kinds_a - {ITINERANT}, kinds_b - {ITINERANT}
    if rest_a and rest_b and not rest_a & rest_b:
        return "types de lieux différents"
    return None
