"""Turn raw source records into validated, geolocated records ready to load.

Per record: source id, mapping (``Reject`` → rejects with a French reason), commune
resolution, point checks, permanences (from the source or extracted from free text),
then one batch of geocoding for the records without reliable coordinates (BAN when a
geocoder is given and reachable; otherwise, or below the score threshold, the commune's
point, with the precision recorded either way).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.engine import Connection

from etl.permanences_text import CommuneIndex as TextCommuneIndex
from etl.permanences_text import extract_permanences
from etl.record import OfferRecord, Reject
from etl.resolve import CommuneIndex
from mapdir.geo.geocoder import GeocodeQuery, GeocoderError

REJECT_LABELS = {
    "nom_manquant": "nom manquant",
    "commune_inconnue": "commune inconnue",
    "code_postal_inconnu": "code postal inconnu",
    "commune_ambigue": "commune ambiguë",
    "identifiant_double": "identifiant en double dans le fichier",
}


@dataclass
class PreparedRecord:
    source_id: str
    brut: dict[str, Any]
    donnees: dict[str, Any]
    fixes: list[str] = field(default_factory=list)
    geocoded: bool = False
    empreinte: str = ""
    uncertain: bool = False  # commune guessed from an ambiguous postcode


@dataclass
class RejectedRecord:
    source_id: str | None
    code: str
    reason: str
    raw: dict[str, Any]

    @property
    def reason_label(self) -> str:
        return REJECT_LABELS.get(self.code, self.code)


def _donnees(rec: OfferRecord) -> dict[str, Any]:
    out = dataclasses.asdict(rec)
    for key in ("raw", "fixes", "source", "source_id"):
        out.pop(key, None)
    if isinstance(out.get("date_maj"), date):
        out["date_maj"] = out["date_maj"].isoformat()
    return out


def prepare_records(
    conn: Connection,
    source: Any,
    raws: list[dict[str, Any]],
    *,
    geocoder: Any = None,
    progress: Callable[[str], None] = lambda _m: None,
) -> tuple[list[PreparedRecord], list[RejectedRecord]]:
    index = CommuneIndex(conn)
    text_indexes: dict[str, TextCommuneIndex] = {}
    prepared: list[PreparedRecord] = []
    rejects: list[RejectedRecord] = []
    to_geocode: list[tuple[PreparedRecord, OfferRecord]] = []
    seen: set[str] = set()
    for n, raw in enumerate(raws, 1):
        if n % 2000 == 0:
            progress(f"  {n}/{len(raws)} enregistrements préparés")
        sid = None
        try:
            sid = source.source_id(raw)
            if not sid:
                raise Reject("identifiant manquant", "identifiant_manquant")
            if sid in seen:
                raise Reject(f"identifiant en double dans le fichier : {sid}", "identifiant_double")
            seen.add(sid)
            rec = source.map(raw)
            placed = index.place(rec)
            code = _apply_placement(index, rec, placed)
            donnees = _donnees(rec)
            if placed.notes:
                donnees["corrections"] = placed.notes
            if placed.conflict:
                donnees["conflit_localisation"] = {
                    "message": placed.conflict,
                    "longitude": rec.longitude,
                    "latitude": rec.latitude,
                    "distance_km": round(placed.distance_km or 0, 1),
                }
                # kept at the commune's point until an animator checks the coordinates
                rec.latitude = rec.longitude = None
                donnees["latitude"] = donnees["longitude"] = None
            if rec.latitude is not None and rec.longitude is not None:
                donnees["geo_precision"] = rec.precision_source or "source"
                donnees["geo_score"] = None
            item = PreparedRecord(
                sid, rec.raw or raw, donnees, list(rec.fixes), uncertain=placed.uncertain
            )
            dep = index.communes[code].departement
            _attach_permanences(rec, item, index, text_indexes, dep)
        except Reject as rej:
            rejects.append(RejectedRecord(sid, rej.code, rej.reason, raw))
            continue
        prepared.append(item)
        if rec.latitude is None or rec.longitude is None:
            to_geocode.append((item, rec))
    _geocode(index, to_geocode, geocoder, progress)
    return prepared, rejects


def _apply_placement(index: CommuneIndex, rec: OfferRecord, placed: Any) -> str:
    """Write the commune decided by the resolver into the record (and a postcode that
    contradicted it, when the commune has only one), with its fix codes."""
    rec.fixes.extend(placed.fixes)
    rec.code_insee = placed.code
    own = index.postcodes_of.get(placed.code, [])
    if "code_postal_incoherent" in placed.fixes and len(own) == 1:
        rec.code_postal = own[0]
    return placed.code


def _attach_permanences(
    rec: OfferRecord,
    item: PreparedRecord,
    index: CommuneIndex,
    text_indexes: dict[str, TextCommuneIndex],
    dep: str,
) -> None:
    perms = list(rec.permanences)
    if rec.commentaire:
        if dep not in text_indexes:
            text_indexes[dep] = TextCommuneIndex(index.departement_communes(dep))
        found = extract_permanences(rec.commentaire, text_indexes[dep]).permanences
        perms.extend(found)
        if found:
            item.fixes.append("permanences_extraites")
    out = []
    for p in perms:
        code = index.current_code(p.code_insee)
        pt = (p.longitude, p.latitude) if p.latitude is not None else None
        if code and pt is None:
            pt = index.commune_point(code)
        d = dataclasses.asdict(p)
        d["code_insee"] = code
        d["longitude"], d["latitude"] = pt if pt else (None, None)
        out.append(d)
    item.donnees["permanences"] = out


def _geocode(
    index: CommuneIndex,
    todo: list[tuple[PreparedRecord, OfferRecord]],
    geocoder: Any,
    progress: Callable[[str], None],
) -> None:
    outcomes: dict[str, Any] = {}
    if todo and geocoder is not None:
        progress(f"  géocodage de {len(todo)} adresses…")
        queries = [
            GeocodeQuery(
                key=item.source_id,
                adresse=rec.adresse,
                code_postal=rec.code_postal,
                code_insee=None if item.uncertain else rec.code_insee,
                commune=rec.commune,
            )
            for item, rec in todo
        ]
        try:
            outcomes = geocoder.geocode(queries)
        except GeocoderError as exc:
            progress(f"  géocodeur indisponible ({exc}) : repli sur le point de la commune")
            outcomes = dict(getattr(exc, "partial", {}) or {})
    for item, _rec in todo:
        out = outcomes.get(item.source_id)
        d = item.donnees
        if out is not None and out.accepted:
            if item.uncertain and index.current_code(out.citycode):
                d["code_insee"] = index.current_code(out.citycode)
                item.fixes.append("commune_depuis_geocodage")
            d["longitude"], d["latitude"] = out.longitude, out.latitude
            d["geo_precision"], d["geo_score"] = out.precision, out.score
            item.geocoded = True
            continue
        pt = index.commune_point(d["code_insee"])
        d["longitude"], d["latitude"] = pt if pt else (None, None)
        d["geo_precision"] = "commune"
        d["geo_score"] = out.score if out is not None else None
        item.fixes.append("point_de_la_commune")
