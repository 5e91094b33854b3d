"""One offer in full (with provenance and permanences) and offers of a map extent (GeoJSON)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from mapdir.db.rows import any_of, lon_lat
from mapdir.db.tables import enregistrement_source, offre, permanence
from mapdir.errors import NotFound
from mapdir.hours import evaluate
from mapdir.offers.filters import Filters
from mapdir.offers.left_out import left_out_of_export
from mapdir.offers.offer_json import OFFER_FIELDS, offer_json, open_at

#: the columns offer_json reads, and the offer it was merged into
_DETAIL = select(
    offre.c.id,
    *lon_lat(offre.c.point),
    *(offre.c[name] for name in OFFER_FIELDS),
    offre.c.fusionnee_dans,
)


def offer_detail(conn: Connection, offer_id: int, now: datetime | None = None) -> dict[str, Any]:
    """One offer with its permanences and a provenance summary; a merged offer answers with
    its survivor (``fusion`` says so). Raises NotFound."""
    today = (now or evaluate.local_now()).date()
    requested, current, chain = offer_id, offer_id, []
    for _hop in range(10):
        row = conn.execute(_DETAIL.where(offre.c.id == current)).one_or_none()
        if row is None:
            raise NotFound(f"Aucune offre n'a l'identifiant {requested}.", parametre="id")
        if row.statut != "fusionnee" or row.fusionnee_dans is None:
            break
        chain.append(current)
        current = row.fusionnee_dans
    out = offer_json(row, today)
    out["statut"] = row.statut
    if chain:
        out["fusion"] = {
            "id_demande": requested,
            "fusionnee_dans": row.id,
            "message": f"L'offre {requested} a été fusionnée dans l'offre {row.id}.",
        }
    member_ids = [row.id] + conn.execute(
        select(offre.c.id).where(offre.c.fusionnee_dans == row.id)
    ).scalars().all()
    es = enregistrement_source.c
    records = conn.execute(
        select(es.source, es.source_id, es.offre_id, es.present, es.premiere_vue, es.derniere_vue)
        .where(any_of(es.offre_id, member_ids))
        .order_by(es.premiere_vue, es.source, es.source_id)
    ).all()
    out["provenance"] = {
        "sources": sorted({r.source for r in records}),
        "premiere_vue": min((r.premiere_vue for r in records), default=None),
        "derniere_vue": max((r.derniere_vue for r in records), default=None),
        "offres_fusionnees": member_ids[1:],
        "enregistrements": [
            {"source": r.source, "source_id": r.source_id, "offre_id": r.offre_id,
             "present": r.present, "premiere_vue": r.premiere_vue.isoformat(),
             "derniere_vue": r.derniere_vue.isoformat()}
            for r in records
        ],
    }  # fmt: skip
    for key in ("premiere_vue", "derniere_vue"):
        if out["provenance"][key] is not None:
            out["provenance"][key] = out["provenance"][key].isoformat()
    p = permanence.c
    stops = conn.execute(
        select(p.id, p.code_insee, p.commune_nom, p.lieu, p.adresse, p.horaires, p.statut)
        .where(any_of(p.offre_id, member_ids), p.statut != "fermee")
        .order_by(p.commune_nom, p.id)
    ).all()
    start = now or evaluate.local_now()
    out["permanences"] = [
        {"id": p.id, "code_insee": p.code_insee, "commune": p.commune_nom, "lieu": p.lieu,
         "adresse": p.adresse, "horaires": p.horaires, "statut": p.statut,
         "prochains_passages": evaluate.passages(p.horaires, start)
         if p.statut == "active" else []}
        for p in stops
    ]  # fmt: skip
    return out


def offers_geojson(
    conn: Connection,
    bbox: tuple[float, float, float, float],
    filters: Filters,
    limit: int,
) -> dict[str, Any]:
    """Active offers inside ``bbox`` (minlon, minlat, maxlon, maxlat) as a FeatureCollection;
    ``tronque`` is true when more than ``limit`` matched; ``ecartes`` counts the offers of
    the extent the filters left out for lack of information."""
    o = offre.c
    extent = (o.statut == "active", o.point.intersects(func.ST_MakeEnvelope(*bbox, 4326)))
    rows = conn.execute(
        select(o.id, o.nom, o.commune_nom, o.code_insee, o.services, o.itinerance, o.horaires)
        .add_columns(*lon_lat(o.point))
        .where(*extent, filters.clause())
        .order_by(o.id)
        .limit(limit + 1)
    ).all()
    rows = [r for r in rows if open_at(r.horaires, filters.ouvert)]
    features = [
        {
            "type": "Feature",
            "id": r.id,
            "geometry": {"type": "Point", "coordinates": [round(r.lon, 6), round(r.lat, 6)]},
            "properties": {
                "id": r.id,
                "nom": r.nom,
                "commune_nom": r.commune_nom,
                "code_insee": r.code_insee,
                "services": list(r.services),
                "itinerance": list(r.itinerance),
            },
        }
        for r in rows[:limit]
    ]
    return {
        "type": "FeatureCollection",
        "features": features,
        "nombre": len(features),
        "tronque": len(rows) > limit,
        "ecartes": left_out_of_export(conn, filters, offre, *extent),
    }
