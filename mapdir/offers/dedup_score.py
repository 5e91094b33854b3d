"""Score a candidate pair of offer records from two sources: duplicate or not (pure, explainable).

What is a duplicate. Two records are duplicates when they describe **the same place offering
the same public service point**: the same premises AND the same reception desk, so that a
person sent to either record ends up in front of the same people. Consequences:

* A France Services hosted in a mairie (or in a médiathèque, a centre social, the head office
  of its communauté de communes…) is NOT the same point as its host: it has its own agents,
  hours and label, and merging would hide one of the two. The host record becomes a duplicate
  only when the sources show it is the same desk: same phone or same email. The
  communauté/commune records that conseillers numériques list under their employer's name
  are handled the same way.
* A "France services La Poste" is, by design, the counter of the post office: a "La Poste"
  record at the same address is the same point. A PIMMS labelled France Services is the PIMMS.
* Different kinds of places in the same building (library vs cyber-base or tiers-lieu, CCAS
  vs mairie) are distinct unless they share a phone or an email.
* An itinerant service (France services bus) is never the same point as a fixed place, even
  at its depot address and with the same phone.
* A SIRET identifies an établissement, but the conseillers numériques list the employer's
  SIRET on every permanence: the same SIRET is strong evidence only where the places agree
  (same address or within a few dozen metres); far apart it means "another site of the same
  organisation". Two valid SIRETs of different SIREN are evidence against; the same SIREN
  with another NIC is neutral. ``00000000000000`` and malformed pivots are no evidence.

Score. ``0.5 × name similarity + 0.5 × place agreement`` (both 0–1, × 100), plus evidence:
shared phone/email (+), same SIRET where the places agree (+), different SIREN (−), kinds of
place in conflict (−), itinerant vs fixed (−−), same SIRET far apart (−). Clamped to 0–100.
Decision: ``fusion`` at or above ``seuil_fusion``, ``a_verifier`` at or above
``seuil_verification``, ``distinct`` below. Every component comes with a French explanation.

``anct_score`` reproduces the ANCT national tool (``mednum-cli`` ``dedupliquer``) for
comparison: ``trunc((ratio(nom) + ratio(adresse) + distance_score) / 3)``, merged at >= 83,
where ``distance_score`` is 100 when the Euclidean distance in degrees between the two
(lat, lon) points is below 0.0004° (about 40 m), else ``trunc(100 / (1000 × d° + 1))``
(about 50 at 100 m, 25 at 300 m).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process
from unidecode import unidecode

from mapdir.geo.geodesy import haversine_m

SEUIL_FUSION = 75.0  # merged at or above
SEUIL_VERIFICATION = 60.0  # an animator's queue between this and the merge threshold
CLOSE_M = 200.0  # a street apart: a shared phone or e-mail is the same desk
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


@dataclass(frozen=True, slots=True)
class PairSide:
    """One record as the scorer sees it (fields of the common model)."""

    nom: str
    adresse: str | None = None
    code_postal: str | None = None
    code_insee: str | None = None
    pivot: str | None = None  # SIRET (14 digits) or RNA, or None
    latitude: float | None = None
    longitude: float | None = None
    telephones: tuple[str, ...] = ()
    courriels: tuple[str, ...] = ()
    source: str = ""
    commune: str | None = None  # the commune's name: no evidence when two names share it


@dataclass(slots=True)
class PairScore:
    """Components, total 0–100, decision and French explanations of one pair."""

    nom_similarite: float
    adresse_similarite: float | None
    distance_m: float | None
    lieu_concordance: float  # 0–1, agreement of the two locations (address and distance)
    meme_siret: bool
    siret_differents: bool  # both valid, different SIREN
    meme_telephone: bool
    meme_courriel: bool
    types_incompatibles: bool
    score: float
    decision: str  # "fusion", "a_verifier" or "distinct"
    explications: list[str] = field(default_factory=list)

    def components(self) -> dict[str, float | bool | None]:
        """The components stored with the pair (``doublon.composantes``, shown in the queue)."""
        return {
            "nom": self.nom_similarite,
            "adresse": self.adresse_similarite,
            "distance_m": self.distance_m,
            "lieu": self.lieu_concordance,
            "meme_siret": self.meme_siret,
            "siret_differents": self.siret_differents,
            "meme_telephone": self.meme_telephone,
            "meme_courriel": self.meme_courriel,
            "types_incompatibles": self.types_incompatibles,
        }


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
def _valid_siret(pivot: str | None) -> str | None:
    digits = "".join((pivot or "").split())
    return digits if _SIRET.fullmatch(digits) and digits != NULL_SIRET else None


@lru_cache(maxsize=65536)
def _phones(values: tuple[str, ...]) -> frozenset[str]:
    phones = set()
    for value in values:
        digits = _NON_DIGIT.sub("", value or "")
        if digits.startswith("33") and len(digits) == 11:
            digits = "0" + digits[2:]
        if len(digits) == 10:
            phones.add(digits)
    return frozenset(phones)


@lru_cache(maxsize=65536)
def _emails(values: tuple[str, ...]) -> frozenset[str]:
    return frozenset(v.strip().lower() for v in values if v and "@" in v)


def _distance_agreement(distance_m: float | None) -> float:
    """1 up to 30 m, then linearly down to 0 at 300 m; 0.3 when unknown."""
    if distance_m is None:
        return 0.3
    return max(0.0, min(1.0, 1 - (distance_m - 30) / 270))


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


def score_pair(
    a: PairSide,
    b: PairSide,
    seuil_fusion: float = SEUIL_FUSION,
    seuil_verification: float = SEUIL_VERIFICATION,
) -> PairScore:
    """Score two records (of any sources); see the module docstring for the rules."""
    why: list[str] = []
    # the commune's name in both names is no evidence; in one name only, it is (two mairies)
    same_named = a.commune and b.commune and normalize_name(a.commune) == normalize_name(b.commune)
    name_sim = name_similarity(a.nom, b.nom, (a.commune,) if same_named else ())
    why.append(f"noms {'proches' if name_sim >= 0.8 else 'différents'} ({name_sim:.2f})")
    addr_sim = address_similarity(a.adresse, b.adresse)
    if addr_sim is not None:
        why.append(f"adresses {'proches' if addr_sim >= 0.8 else 'différentes'} ({addr_sim:.2f})")
    distance = None
    if None not in (a.latitude, a.longitude, b.latitude, b.longitude):
        distance = haversine_m(a.longitude, a.latitude, b.longitude, b.latitude)  # type: ignore[arg-type]
        why.append(f"à {distance:.0f} m" if distance < 1000 else f"à {distance / 1000:.1f} km")
    same_commune = bool(
        (a.code_insee and a.code_insee == b.code_insee)
        or (a.code_postal and a.code_postal == b.code_postal)
        or (distance is not None and distance < 5000)
    )
    place = _distance_agreement(distance)
    if addr_sim is not None and same_commune:
        place = max(place, addr_sim) if addr_sim >= 0.8 else (place + addr_sim) / 2
    elif addr_sim is not None and addr_sim < 0.3 and a.code_postal and b.code_postal:
        # two addresses of two postcodes: points that coincide were geocoded to one base
        place = min(place, addr_sim)
    same_phone = bool(_phones(a.telephones) & _phones(b.telephones))
    same_email = bool(_emails(a.courriels) & _emails(b.courriels))
    if distance is None and addr_sim is None and same_commune and (same_phone or same_email):
        # nothing locates either record more precisely than its commune: a shared phone
        # or e-mail in the same commune is the location evidence
        place = max(place, 0.8)
    score = 100 * (0.5 * name_sim + 0.5 * place)
    close = distance is not None and distance <= CLOSE_M

    siret_a, siret_b = _valid_siret(a.pivot), _valid_siret(b.pivot)
    same_siret = bool(siret_a and siret_a == siret_b)
    other_siren = bool(siret_a and siret_b and siret_a[:9] != siret_b[:9])
    if same_siret and (place >= 0.7 or (close and place >= 0.5)):
        score += 20
        why.append("même SIRET")
    elif same_siret:
        score -= 30
        why.append("même SIRET mais lieux différents : autre site de la même structure")
    elif other_siren:
        score -= 20
        why.append("SIRET d'entreprises différentes")
    elif siret_a and siret_b:
        why.append("même SIREN, établissements différents")

    shared_contact = same_phone or same_email
    if shared_contact:
        # the same desk answers both: strong where the places agree or are a street apart,
        # weak farther (another site of the same organisation, an adviser's own number)
        if place >= 0.5 or close:
            score += 40 if same_phone and same_email else 30
        else:
            score += 20 if _within(distance, 1000) else 10
        shared = [("même téléphone", same_phone), ("même courriel", same_email)]
        why.append(" et ".join(words for words, found in shared if found))
    conflict = kinds_conflict(a.nom, b.nom)
    if conflict and ITINERANT in name_kinds(a.nom) ^ name_kinds(b.nom):
        score -= 60
    elif conflict and not shared_contact:
        score -= 30
    if conflict:
        why.append(conflict)
    itinerant_vs_fixed = bool(conflict and ITINERANT in name_kinds(a.nom) ^ name_kinds(b.nom))
    if (
        FRANCE_SERVICES in name_kinds(a.nom) & name_kinds(b.nom)
        and place >= 0.9
        and not itinerant_vs_fixed
    ):
        score += 20  # the label is given to one desk per premises
        why.append("deux France services au même endroit")
    if itinerant_vs_fixed:
        # the bus and its depot share an address, a phone, a name: never the same point
        score = min(score, seuil_verification - 0.1)
    if not (shared_contact or same_siret) and name_sim < 0.6 and _contacts_differ(a, b):
        # the audit's false merges (Graulhet, Veauche, Carentan): one address, two
        # organisations with their own phones and e-mails; never merged on the address
        score = min(score, seuil_fusion - 0.1)
        why.append("noms et contacts différents : même adresse seulement")

    score = round(max(0.0, min(100.0, score)), 1)
    if score >= seuil_fusion:
        decision = "fusion"
    elif score >= seuil_verification:
        decision = "a_verifier"
    else:
        decision = "distinct"
    return PairScore(
        nom_similarite=name_sim,
        adresse_similarite=addr_sim,
        distance_m=None if distance is None else round(distance, 1),
        lieu_concordance=round(place, 3),
        meme_siret=same_siret,
        siret_differents=other_siren,
        meme_telephone=same_phone,
        meme_courriel=same_email,
        types_incompatibles=conflict is not None,
        score=score,
        decision=decision,
        explications=why,
    )


def _within(distance: float | None, metres: float) -> bool:
    return distance is not None and distance <= metres


def _contacts_differ(a: PairSide, b: PairSide) -> bool:
    """Both give phones (or both e-mails) and none is shared."""
    phones_a, phones_b = _phones(a.telephones), _phones(b.telephones)
    emails_a, emails_b = _emails(a.courriels), _emails(b.courriels)
    return bool(phones_a and phones_b and not phones_a & phones_b) or bool(
        emails_a and emails_b and not emails_a & emails_b
    )


def anct_score(a: PairSide, b: PairSide) -> int:
    """The ANCT national tool's score, for comparison (see the module docstring)."""
    name = fuzz.ratio(a.nom or "", b.nom or "", processor=default_process)
    address = fuzz.ratio(a.adresse or "", b.adresse or "", processor=default_process)
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return 0  # the national tool drops pairs without coordinates (NaN score)
    degrees = math.hypot(a.latitude - b.latitude, a.longitude - b.longitude)  # type: ignore[operator]
    distance = 100 if degrees < 0.0004 else math.trunc(100 / (degrees * 1000 + 1))
    return math.trunc((name + address + distance) / 3)
