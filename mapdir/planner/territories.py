"""Territories of a département for the planner: its name (and whether its commune polygons
were imported), EPCI and canton names, the funders' offer counts, simplified polygons."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from mapdir.errors import InvalidParameter, NotFound
from mapdir.offers.filters import Filters


def check_departement(conn: Connection, departement: str) -> str:
    """The département's name; NotFound when unknown, InvalidParameter without polygons."""
    code = (departement or "").strip().upper()
    if not code or len(code) > 3 or not code.isalnum():
        raise InvalidParameter(
            "« departement » doit être un code de département (ex. 87, 2A, 974).",
            parametre="departement",
        )
    row = conn.execute(
        text(
            "SELECT d.nom, (SELECT count(*) FROM commune c WHERE c.departement = d.code"
            " AND c.geom IS NOT NULL) AS polygones FROM departement d WHERE d.code = :d"
        ),
        {"d": code},
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
        text(
            "SELECT DISTINCT e.siren, e.nom FROM epci e JOIN commune c ON c.epci = e.siren"
            " WHERE c.departement = :d"
        ),
        {"d": departement},
    ).all()
    cantons = conn.execute(
        text("SELECT code, nom FROM canton WHERE departement = :d"), {"d": departement}
    ).all()
    return {"epci": dict(epcis), "canton": {r.code: r.nom for r in cantons}}


def commune_names(conn: Connection, departement: str) -> dict[str, str]:
    """{code: nom} of the département's communes."""
    rows = conn.execute(
        text("SELECT code, nom FROM commune WHERE departement = :d"), {"d": departement}
    ).all()
    return dict(rows)


def offer_indicators(
    conn: Connection, departement: str, offer_filter: Filters | None = None
) -> dict:
    """Funders' counts for the département: active offers by typologie and programme,
    active permanences, permanences planned (statut 'projet')."""
    where, filter_params = (offer_filter or Filters()).where_sql("o")
    base = (
        "FROM offre o JOIN commune c ON c.code = o.code_insee"
        f" WHERE c.departement = :d AND o.statut = 'active' AND {where}"
    )
    params = {"d": departement, **filter_params}
    total = conn.execute(text(f"SELECT count(*) {base}"), params).scalar_one()
    by_typologie = conn.execute(
        text(
            f"SELECT lib, count(*) AS n FROM (SELECT unnest(CASE WHEN cardinality(o.typologie) > 0"
            f" THEN o.typologie ELSE ARRAY['non renseignée'] END) AS lib {base}) x"
            " GROUP BY lib ORDER BY n DESC, lib"
        ),
        params,
    ).all()
    by_programme = conn.execute(
        text(
            f"SELECT p, count(*) AS n FROM (SELECT unnest(o.programmes) AS p {base}) x"
            " GROUP BY p ORDER BY n DESC, p"
        ),
        params,
    ).all()
    permanences = conn.execute(
        text(
            "SELECT p.statut, count(*) FROM permanence p JOIN commune c ON c.code = p.code_insee"
            " WHERE c.departement = :d GROUP BY p.statut"
        ),
        {"d": departement},
    ).all()
    by_status = dict(permanences)
    return {
        "offres_actives": int(total),
        "offres_par_typologie": {r.lib: int(r.n) for r in by_typologie},
        "offres_par_programme": {r.p: int(r.n) for r in by_programme},
        "permanences_actives": int(by_status.get("active", 0)),
        "permanences_en_projet": int(by_status.get("projet", 0)),
    }


def commune_polygons(conn: Connection, departement: str, tolerance_deg: float = 0.0005) -> dict:
    """{code: GeoJSON geometry (simplified, 5 decimals)} of the département's communes."""
    rows = conn.execute(
        text(
            "SELECT code, ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, :t), 5) AS g"
            " FROM commune WHERE departement = :d AND geom IS NOT NULL"
        ),
        {"d": departement, "t": tolerance_deg},
    ).all()
    return {r.code: r.g for r in rows}


def departements_with_polygons(conn: Connection) -> list[Any]:
    """(code, nom) of the départements whose commune polygons are imported."""
    return conn.execute(
        text(
            "SELECT d.code, d.nom FROM departement d WHERE EXISTS (SELECT 1 FROM commune c"
            " WHERE c.departement = d.code AND c.geom IS NOT NULL) ORDER BY d.code"
        )
    ).all()
