"""Factories and oracles shared by the search tests (tests/integration/test_search_*.py):
offers and permanences inserted in the rolled-back test transaction, independent distance
computations, the search called at a fixed time, statement plans."""

from __future__ import annotations

import math
import re
from datetime import datetime

from psycopg import sql as psycopg_sql
from pyproj import Geod
from sqlalchemy import text

from mapdir.db import SEARCH_SETTINGS
from mapdir.offers.search import Filters, SearchRequest, search_offers
from mapdir.offers.search_sql import fetch

GEOD = Geod(ellps="WGS84")
NOW = datetime(2026, 12, 1, 8, 0)  # a Tuesday


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def geodesic_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


def insert_offer(conn, nom: str, lon: float | None, lat: float | None, **fields) -> int:
    """One offer; list fields given as Python lists, others as scalars."""
    values = {"nom": nom, "lon": lon, "lat": lat, **fields}
    columns = ["nom", "point"] + list(fields)
    placeholders = [
        ":nom",
        "ST_SetSRID(ST_MakePoint(CAST(:lon AS float8), CAST(:lat AS float8)), 4326)",
    ]
    placeholders += [f":{k}" for k in fields]
    return conn.execute(
        text(
            f"INSERT INTO offre ({', '.join(columns)}) VALUES ({', '.join(placeholders)}) "
            "RETURNING id"
        ),
        values,
    ).scalar_one()


def insert_permanence(conn, offre_id: int, code_insee: str, horaires: str, **fields) -> int:
    return conn.execute(
        text(
            """
            INSERT INTO permanence (offre_id, code_insee, commune_nom, point, horaires, lieu,
                                    statut)
            SELECT :offre_id, c.code, c.nom, c.point, :horaires, :lieu, :statut
            FROM commune c WHERE c.code = :code
            RETURNING id
            """
        ),
        {
            "offre_id": offre_id,
            "code": code_insee,
            "horaires": horaires,
            "lieu": fields.get("lieu", "Mairie"),
            "statut": fields.get("statut", "active"),
        },
    ).scalar_one()


def commune_point(conn, code: str) -> tuple[float, float]:
    row = conn.execute(
        text("SELECT ST_X(point) AS lon, ST_Y(point) AS lat FROM commune WHERE code = :c"),
        {"c": code},
    ).one()
    return row.lon, row.lat


def communes_87(conn) -> list[tuple[str, float, float]]:
    rows = conn.execute(
        text(
            "SELECT code, ST_X(point) AS lon, ST_Y(point) AS lat FROM commune "
            "WHERE departement = '87' AND point IS NOT NULL ORDER BY code"
        )
    ).all()
    return [(r.code, r.lon, r.lat) for r in rows]


def search(conn, **kwargs):
    filters = kwargs.pop("filters", Filters())
    return search_offers(conn, SearchRequest(filters=filters, **kwargs), now=NOW)


def explain(conn, sql: str, params: dict) -> str:
    return "\n".join(r[0] for r in fetch(conn, "EXPLAIN " + sql, params))


def explain_generic(conn, sql: str, params: dict, analyse: bool = False) -> str:
    """The plan of ``sql`` as the search connections run it (their settings): prepared,
    generic plan (the parameters unknown to the planner), executed with ``params``."""
    names = list(dict.fromkeys(re.findall(r"%\((\w+)\)s", sql)))
    for i, name in enumerate(names, start=1):
        sql = sql.replace(f"%({name})s", f"${i}")
    driver = conn.connection.driver_connection
    for name, value in SEARCH_SETTINGS.items():
        driver.execute(f"SET LOCAL {name} = {value}")
    driver.execute(psycopg_sql.SQL("PREPARE generic AS ") + psycopg_sql.SQL(sql.replace("%%", "%")))
    values = psycopg_sql.SQL(", ").join(psycopg_sql.Literal(params[n]) for n in names)
    options = "ANALYZE, BUFFERS" if analyse else "COSTS OFF"
    try:
        rows = driver.execute(
            psycopg_sql.SQL(f"EXPLAIN ({options}) EXECUTE generic(") + values + psycopg_sql.SQL(")")
        ).fetchall()
    finally:
        driver.execute("DEALLOCATE generic")
    return "\n".join(r[0] for r in rows)
