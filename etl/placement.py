"""Weigh a record's evidence into a commune (see ``etl.resolve`` for the rules; pure)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from etl.commune_names import PLM_PARENTS, address_postcodes, postcode_departement
from etl.commune_names import read_commune_field as read_name
from etl.record import OfferRecord, Reject
from mapdir.text import fr_number, normalize_name

if TYPE_CHECKING:
    from etl.resolve import CommuneIndex

WEIGHTS = {
    "insee": 3.0,  # the INSEE code field
    "nom": 3.0,  # the commune's name, exact (accents, case, articles ignored)
    "nom_approche": 2.0,  # a close spelling
    "code_postal": 2.0,  # each commune of the postcode
    "insee_dans_code_postal": 2.0,  # an INSEE code typed in the postcode field
    "point": 2.0,  # the point inside the commune (polygon, or nearest commune point)
    "point_proche": 1.0,  # the point near the commune
    "adresse": 1.0,  # a postcode written in the address
    "texte": 1.0,  # a commune named in the address or the place's name (last resort)
}


@dataclass
class Placement:
    """Where a record goes: its commune, and what was corrected on the way."""

    code: str
    fixes: list[str] = field(default_factory=list)  # codes, for counting
    notes: list[str] = field(default_factory=list)  # French, for people
    point_ok: bool = True  # False: the source's point contradicts the commune
    conflict: str | None = None  # French, when the point was set aside
    distance_km: float | None = None  # from the source's point to the commune
    uncertain: bool = False  # commune guessed among several of a postcode


NEAR_KM = 30.0
FIELD_KINDS = {"insee", "code_postal", "nom", "nom_approche", "insee_dans_code_postal"}
STREET_WORDS = frozenset(
    "rue avenue av bd boulevard place pl chemin route rte allee impasse quai cours square"
    " faubourg fg lotissement residence hameau lieu dit zone za zi parc".split()
)
MAX_NAME_WORDS = 6
KIND_WORDS = {
    "insee": "le code INSEE",
    "code_postal": "le code postal",
    "nom": "le nom de la commune",
    "nom_approche": "le nom de la commune (orthographe proche)",
    "insee_dans_code_postal": "le code INSEE écrit dans le code postal",
    "point": "les coordonnées",
    "point_proche": "les coordonnées",
    "adresse": "le code postal écrit dans l'adresse",
    "texte": "la commune nommée dans l'adresse ou le nom du lieu",
}


def _words(kinds: set[str]) -> str:
    said = list(dict.fromkeys(KIND_WORDS[k] for k in sorted(kinds, key=list(KIND_WORDS).index)))
    return ", ".join(said[:-1]) + (" et " if len(said) > 1 else "") + said[-1]


class _Ballot:
    """Votes per commune (Paris, Lyon, Marseille counted as one), each kind once."""

    def __init__(self, index: CommuneIndex):
        self.index = index
        self.votes: dict[str, float] = defaultdict(float)
        self.kinds: dict[str, set[str]] = defaultdict(set)
        self.arm_votes: dict[str, float] = defaultdict(float)
        self.arm_kinds: dict[str, set[str]] = defaultdict(set)

    def vote(self, code: str, kind: str) -> None:
        top = self.index.communes[code].parent or code
        if kind not in self.kinds[top]:
            self.kinds[top].add(kind)
            self.votes[top] += WEIGHTS[kind]
        if top != code and kind not in self.arm_kinds[code]:
            self.arm_kinds[code].add(kind)
            self.arm_votes[code] += WEIGHTS[kind]

    def departements(self) -> set[str]:
        return {self.index.communes[c].departement for c in self.votes}


def place_record(index: CommuneIndex, rec: OfferRecord) -> Placement:
    ballot = _Ballot(index)
    notes: list[str] = []
    fixes: list[str] = []
    hint_deps: set[str] = set()

    if rec.departement and rec.departement in index.names:
        hint_deps.add(rec.departement)
    insee = index.current_code(rec.code_insee)
    if insee:
        ballot.vote(insee, "insee")
        if insee != (rec.code_insee or "").strip().upper():
            fixes.append("code_insee_ancien")
    elif rec.code_insee:
        notes.append(f"code INSEE inconnu : {rec.code_insee}")

    cp = rec.code_postal
    cp_communes = sorted(set(index.by_postcode.get(cp or "", [])))
    for code in cp_communes:
        ballot.vote(code, "code_postal")
    cp_as_insee = None
    if cp and not cp_communes:
        dep = postcode_departement(cp)
        if dep:
            hint_deps.add(dep)
        # an INSEE code typed as postcode counts only when the name or the point agrees
        # (else "44036 … Nantes Cedex 1" would be Châteaubriant, whose INSEE code it is)
        cp_as_insee = index.current_code(cp)

    for code_in_address in dict.fromkeys(address_postcodes(rec.adresse)):
        if code_in_address != cp:
            for code in set(index.by_postcode.get(code_in_address, [])):
                ballot.vote(code, "adresse")

    point = (rec.longitude, rec.latitude) if rec.latitude is not None else None
    near: list[tuple[float, str]] = []
    inside = None
    if point and rec.longitude is not None:
        inside = index.containing(*point)
        near = index.nearest(*point, NEAR_KM)
        if inside:
            hint_deps.add(index.communes[inside].departement)
        elif near:
            hint_deps.add(index.communes[near[0][1]].departement)

    name = read_name(rec.commune)
    named, exact = index.match_name(name.keys, ballot.departements() | hint_deps)
    for code in named:
        ballot.vote(code, "nom" if exact else "nom_approche")
        arm = index.arrondissements.get((code, name.arrondissement or 0))
        if code in PLM_PARENTS.values() and arm:
            ballot.vote(arm, "nom" if exact else "nom_approche")

    if point:
        _vote_point(index, ballot, point, inside, near)
    if cp_as_insee and ballot.kinds.get(cp_as_insee, set()) & {"nom", "nom_approche", "point"}:
        ballot.vote(cp_as_insee, "insee_dans_code_postal")
    if not set().union(*ballot.kinds.values(), set()) & FIELD_KINDS:
        # nothing but (maybe) a point: a commune named in the address or the place's name
        deps = ballot.departements() | hint_deps
        for code in text_communes(index, f"{rec.adresse or ''} | {rec.nom or ''}", deps):
            ballot.vote(code, "texte")

    if not ballot.votes:
        raise _nothing_places(rec, set(index.by_dep))
    distances = {c: _distance(index, c, point) for c in ballot.votes}
    ranked = sorted(
        ballot.votes,
        key=lambda c: (-ballot.votes[c], distances[c], -index.communes[c].population, c),
    )
    best = ranked[0]
    kinds = ballot.kinds[best]
    placement = Placement(best, fixes=fixes, notes=notes)
    tied = [c for c in ranked if ballot.votes[c] == ballot.votes[best]]
    if len(tied) > 1 and not kinds & {"nom", "nom_approche", "point", "point_proche", "insee"}:
        placement.uncertain = True
        fixes.append("commune_incertaine")
        notes.append(
            f"commune incertaine : {len(tied)} communes possibles ("
            + ", ".join(index.communes[c].nom for c in tied[:4])
            + f"), la plus peuplée retenue ({index.communes[best].nom})"
        )
    _refine_arrondissement(index, ballot, placement)
    _explain(index, rec, placement, kinds, cp_communes, cp_as_insee, insee, name, named)
    if point:
        _check_point(index, placement, best, kinds, point)
    return placement


def text_communes(index: CommuneIndex, text: str, deps: set[str]) -> set[str]:
    """The one commune of ``deps`` named in a free text ("BP 503 Saint-Etienne", "CCAS de
    la ville de Montpellier"), longest names first; none when several or none are named.
    Words after a street word ("rue de Paris") are a street, not a commune."""
    if not deps:
        return set()
    words = normalize_name(text).split()
    found: set[str] = set()
    i = 0
    while i < len(words):
        if i and words[i - 1] in STREET_WORDS or (i > 1 and words[i - 2] in STREET_WORDS):
            i += 1
            continue
        for size in range(min(MAX_NAME_WORDS, len(words) - i), 0, -1):
            key = " ".join(words[i : i + size])
            if len(key) < 3 or key in STREET_WORDS:
                continue
            codes = {c for d in deps for c in index.names[d].get(key, ())}
            if codes:
                found |= codes
                i += size - 1
                break
        i += 1
    return found if len(found) == 1 else set()


def _vote_point(index, ballot: _Ballot, point, inside, near) -> None:
    lon, lat = point
    if inside:
        ballot.vote(inside, "point")
    elif near and index.point_fits(near[0][1], lon, lat)[0]:
        ballot.vote(near[0][1], "point")
    nearest_km = near[0][0] if near else None
    for code in list(ballot.votes):
        if code == inside or "point" in ballot.kinds[code]:
            continue
        fits, km = index.point_fits(code, lon, lat)
        if not fits or km is None:
            continue
        if code in index.polygons:
            ballot.vote(code, "point" if km <= 0.2 else "point_proche")
        elif inside is None and nearest_km is not None and km <= 1.5 * nearest_km + 0.5:
            ballot.vote(code, "point")
        else:
            ballot.vote(code, "point_proche")


def _distance(index, code: str, point) -> float:
    if not point:
        return 0.0
    km = index.point_distance_km(code, *point)
    return km if km is not None else float("inf")


def _refine_arrondissement(index, ballot: _Ballot, placement: Placement) -> None:
    arms = [a for a in ballot.arm_votes if index.communes[a].parent == placement.code]
    if not arms:
        return
    arms.sort(key=lambda a: -ballot.arm_votes[a])
    if len(arms) == 1 or ballot.arm_votes[arms[0]] > ballot.arm_votes[arms[1]]:
        placement.code = arms[0]


def _explain(index, rec, placement, kinds, cp_communes, cp_as_insee, insee, name, named) -> None:
    code = placement.code
    top = index.communes[code].parent or code
    chosen = f"{index.communes[code].nom} ({code})"
    reasons = _words(kinds)
    cp = rec.code_postal
    if insee and (index.communes[insee].parent or insee) != top:
        placement.fixes.append("code_insee_corrige")
        placement.notes.append(
            f"code INSEE {rec.code_insee} ({index.communes[insee].nom}) contredit par"
            f" {reasons} : commune retenue {chosen}"
        )
    tops = {index.communes[c].parent or c for c in cp_communes}
    if cp_communes and top not in tops:
        placement.fixes.append("code_postal_incoherent")
        placement.notes.append(
            f"code postal {cp} ({', '.join(index.communes[c].nom for c in cp_communes[:3])})"
            f" contredit par {reasons} : commune retenue {chosen}"
        )
    elif cp and not cp_communes and cp_as_insee and "insee_dans_code_postal" in kinds:
        placement.fixes.append("insee_dans_code_postal")
        placement.notes.append(f"{cp} est le code INSEE de {chosen}, pas un code postal")
    elif cp and not cp_communes:
        placement.fixes.append("code_postal_cedex" if cp[:1].isdigit() else "code_postal_inconnu")
        placement.notes.append(
            f"code postal {cp} absent de la base La Poste (code CEDEX ou erroné) :"
            f" commune retenue {chosen} d'après {reasons}"
        )
    if name.keys and not named:
        placement.notes.append(f"commune « {rec.commune} » non reconnue (lieu-dit ?)")
    if not kinds & FIELD_KINDS:
        placement.fixes.append(
            "commune_depuis_texte"
            if not kinds & {"point", "point_proche"}
            else "commune_depuis_coordonnees"
        )
        if not placement.notes:
            placement.notes.append(f"commune retenue {chosen} d'après {reasons}")
    elif not (kinds & {"insee", "code_postal", "insee_dans_code_postal"}):
        placement.fixes.append("commune_depuis_nom")


def _check_point(index, placement: Placement, top: str, kinds: set[str], point) -> None:
    fits, km = index.point_fits(top, *point)
    placement.distance_km = km
    if fits:
        return
    placement.point_ok = False
    placement.fixes.append("coordonnees_contradictoires")
    lon, lat = point
    ref = index.communes[placement.code]
    placement.conflict = (
        f"coordonnées de la source ({lat:.5f}, {lon:.5f}) à {fr_number(km, 1)} km de {ref.nom}"
        f" ({placement.code}), commune donnée par {_words(kinds & FIELD_KINDS or kinds)} :"
        " lieu placé au point de la commune en attendant une vérification"
    )
    placement.notes.append(placement.conflict)


def _nothing_places(rec: OfferRecord, departements: set[str]) -> Reject:
    said = []
    if rec.code_insee:
        said.append(f"code INSEE {rec.code_insee} inconnu")
    dep = postcode_departement(rec.code_postal)
    if rec.code_postal and dep in departements:
        said.append(
            f"code postal {rec.code_postal} inconnu de La Poste (code CEDEX ?"
            f" il ne dit que le département {dep})"
        )
    elif rec.code_postal:
        said.append(f"code postal {rec.code_postal} inconnu")
    if rec.commune:
        said.append(f"commune « {rec.commune} » introuvable")
    if rec.latitude is None:
        said.append("pas de coordonnées")
    else:
        said.append("coordonnées loin de toute commune")
    if rec.departement:
        said.append(
            f"aucune commune actuelle du département {rec.departement} nommée dans"
            f" « {rec.nom} » ni dans l'adresse (ancienne commune ?)"
        )
    if not (rec.code_insee or rec.code_postal or rec.commune or rec.departement):
        return Reject("ni code commune, ni code postal, ni nom de commune", "commune_inconnue")
    code = "code_postal_inconnu" if rec.code_postal and not rec.commune else "commune_inconnue"
    return Reject("rien ne situe le lieu dans une commune : " + ", ".join(said), code)
