"""Territories of a département for the planner: its name (and whether its commune polygons
were imported), EPCI and canton names, the funders' offer counts, simplified polygons."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Text, case, exists, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection

from mapdir.db.tables import canton, commune, epci, offre, permanence
from mapdir.db.tables import departement as departement_table
from mapdir.errors import InvalidParameter, NotFound
from mapdir.offers.filters import Filters

c, o = commune.c, offre.c
_HAS_POLYGONS = (c.departement == departement_table.c.code, c.geom.is_not(None))


def check_departement(conn: Connection, departement: str) -> str:
    """The département's name; NotFound when unknown, InvalidParameter without polygons."""
    code = (departement or "").strip().upper()
    if not code or len(code) > 3 or not code.isalnum():
        raise InvalidParameter(
            "« departement » doit être un code de département (ex. 87, 2A, 974).",
            parametre="departement",
        )
    polygons = select(func.count()).where(*_HAS_POLYGONS).scalar_subquery()
    row = conn.execute(
        select(departement_table.c.nom, polygons.label("polygones")).where(
            departement_table.c.code == code
        )
    ).one_or_none()
    if row is None:
        raise NotFound(f"Département inconnu : {code}.", parametre="departement")
    if row.polygones == 0:
        raise NotFound(
            f"Les contours des communes du département {code} n'ont pas été importés : "
            f"lancez « mapdir geo import --departement {code} » avant de planifier.",
            parametre="departement",
        )
    return row.nom


def territory_names(conn: Connection, departement: str) -> dict[str, dict[str, str]]:
    """{"epci": {siren: nom}, "canton": {code: nom}} for the territories of the département."""
    epcis = conn.execute(
        select(epci.c.siren, epci.c.nom)
        .distinct()
        .join_from(epci, commune, c.epci == epci.c.siren)
        .where(c.departement == departement)
    ).all()
    cantons = conn.execute(
        select(canton.c.code, canton.c.nom).where(canton.c.departement == departement)
    )
    return {"epci": dict(epcis), "canton": {r.code: r.nom for r in cantons}}


def commune_names(conn: Connection, departement: str) -> dict[str, str]:
    """{code: nom} of the département's communes."""
    return dict(conn.execute(select(c.code, c.nom).where(c.departement == departement)).all())


def offer_indicators(
    conn: Connection, departement: str, offer_filter: Filters | None = None
) -> dict:
    """Funders' counts for the département: active offers by typologie and programme,
    active permanences, permanences planned (statut 'projet')."""
    active = (
        select()
        .join_from(offre, commune, c.code == o.code_insee)
        .where(
            c.departement == departement, o.statut == "active", (offer_filter or Filters()).clause()
        )
    )
    total = conn.execute(active.add_columns(func.count())).scalar_one()
    typologie = case(
        (func.cardinality(o.typologie) > 0, o.typologie),
        else_=literal(["non renseignée"], ARRAY(Text)),
    )
    by_typologie = _count_values(conn, active, typologie)
    by_programme = _count_values(conn, active, o.programmes)
    p = permanence.c
    by_status = dict(
        conn.execute(
            select(p.statut, func.count())
            .join_from(permanence, commune, c.code == p.code_insee)
            .where(c.departement == departement)
            .group_by(p.statut)
        ).all()
    )
    return {
        "offres_actives": int(total),
        "offres_par_typologie": by_typologie,
        "offres_par_programme": by_programme,
        "permanences_actives": int(by_status.get("active", 0)),
        "permanences_en_projet": int(by_status.get("projet", 0)),
    }


def _count_values(conn: Connection, offers: Any, values: ColumnElement[Any]) -> dict[str, int]:
    """{value: number of ``offers`` holding it} for a list column, most frequent first."""
    listed = offers.add_columns(func.unnest(values).label("valeur")).subquery()
    n = func.count().label("n")
    rows = conn.execute(
        select(listed.c.valeur, n).group_by(listed.c.valeur).order_by(n.desc(), listed.c.valeur)
    )
    return {r.valeur: int(r.n) for r in rows}


def commune_polygons(conn: Connection, departement: str, tolerance_deg: float = 0.0005) -> dict:
    """{code: GeoJSON geometry (simplified, 5 decimals)} of the département's communes."""
    outline = func.ST_AsGeoJSON(func.ST_SimplifyPreserveTopology(c.geom, tolerance_deg), 5)
    rows = conn.execute(
        select(c.code, outline).where(c.departement == departement, c.geom.is_not(None))
    )
    return dict(rows.all())


def departements_with_polygons(conn: Connection) -> list[Any]:
    """(code, nom) of the départements whose commune polygons are imported."""
    d = departement_table.c
    return conn.execute(
        select(d.code, d.nom).where(exists().where(*_HAS_POLYGONS)).order_by(d.code)
    ).all()
