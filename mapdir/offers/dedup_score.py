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
from dataclasses import dataclass, field

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from mapdir.geo.geodesy import haversine_m
from mapdir.offers.dedup_similarity import (
    FRANCE_SERVICES,
    ITINERANT,
    address_similarity,
    email_addresses,
    kinds_conflict,
    name_kinds,
    name_similarity,
    normalize_name,
    phone_numbers,
    valid_siret,
)

SEUIL_FUSION = 75.0  # merged at or above
SEUIL_VERIFICATION = 60.0  # an animator's queue between this and the merge threshold
CLOSE_M = 200.0  # a street apart: a shared phone or e-mail is the same desk


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


def _distance_agreement(distance_m: float | None) -> float:
    """1 up to 30 m, then linearly down to 0 at 300 m; 0.3 when unknown."""
    if distance_m is None:
        return 0.3
    return max(0.0, min(1.0, 1 - (distance_m - 30) / 270))


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
    same_phone = bool(phone_numbers(a.telephones) & phone_numbers(b.telephones))
    same_email = bool(email_addresses(a.courriels) & email_addresses(b.courriels))
    if distance is None and addr_sim is None and same_commune and (same_phone or same_email):
        # nothing locates either record more precisely than its commune: a shared phone
        # or e-mail in the same commune is the location evidence
        place = max(place, 0.8)
    score = 100 * (0.5 * name_sim + 0.5 * place)
    close = distance is not None and distance <= CLOSE_M

    siret_a, siret_b = valid_siret(a.pivot), valid_siret(b.pivot)
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
    phones_a, phones_b = phone_numbers(a.telephones), phone_numbers(b.telephones)
    emails_a, emails_b = email_addresses(a.courriels), email_addresses(b.courriels)
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
