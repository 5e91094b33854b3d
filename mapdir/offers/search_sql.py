"""The SQL of the prescribers' search, run on the driver's cursor (psycopg placeholders).

Most searches cost one round trip: ``candidates_sql`` resolves the origin (a postcode's
communes, a commune, or a point) and, in the same statement, takes the KNN window of
nearest active offers, the itinerant stops in or near the origin communes and the remote
offers, the nearest of the window and the first remote offers with their whole rows
(``complet``); ``FULL_ROWS_SQL`` fetches the chosen offers that did not ride along. Rows of
the first statement carry a ``kind``: ``o`` origin commune, ``k`` KNN candidate, ``p``
stop, ``r`` remote offer, ``u`` an offer nearer than the answer's last that a filter left out for
lack of information (accessibility, fees, type d'offre, hours unknown: the answer counts
them).
``knn_sql`` alone serves the rare widening rounds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from psycopg.rows import namedtuple_row
from sqlalchemy.engine import Connection

from mapdir.db import driver_connection
from mapdir.geo.geodesy import EARTH_RADIUS_M
from mapdir.hours.time_slots import NO_HOURS
from mapdir.offers.filters import Filters, lacks_query, lacks_sql
from mapdir.offers.offer_json import OFFER_COLUMNS, OFFER_FIELDS

REMOTE = "À distance"

#: origin communes: code, nom, lon, lat, rang (their order in the answer)
ORIGIN_BY_POSTCODE = """
    WITH pc AS MATERIALIZED (
        SELECT c.code, c.nom, c.point, c.type, c.population, c.commune_parente
        FROM code_postal cp JOIN commune c ON c.code = cp.code_insee
        WHERE cp.code_postal = %(code_postal)s
    )
    SELECT code, nom, ST_X(point) AS lon, ST_Y(point) AS lat,
           row_number() OVER (ORDER BY (type = 'arrondissement-municipal') DESC,
                                       population DESC NULLS LAST, nom) AS rang
    FROM pc
    WHERE point IS NOT NULL
      -- Marseille/Lyon/Paris: the arrondissements are the precise answer, not the city
      AND code NOT IN (SELECT commune_parente FROM pc WHERE commune_parente IS NOT NULL)
"""
ORIGIN_BY_COMMUNE = """
    SELECT c.code, c.nom, ST_X(c.point) AS lon, ST_Y(c.point) AS lat, 1 AS rang
    FROM commune c
    WHERE c.point IS NOT NULL AND c.code = COALESCE(
        (SELECT code_actuel FROM commune_code_ancien WHERE code_ancien = %(code_commune)s),
        %(code_commune)s)
"""
ORIGIN_BY_POINT = """
    SELECT code, nom, CAST(%(lon)s AS float8) AS lon, CAST(%(lat)s AS float8) AS lat, 1 AS rang
    FROM (
        (SELECT code, nom, 0 AS r FROM commune
         WHERE geom IS NOT NULL AND type <> 'arrondissement-municipal'
           AND ST_Intersects(geom, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326))
         LIMIT 1)
        UNION ALL
        (SELECT code, nom, 1 FROM commune WHERE point IS NOT NULL
         ORDER BY point <-> ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) LIMIT 1)
    ) c ORDER BY r LIMIT 1
"""
ORIGINS = {
    "code_postal": ORIGIN_BY_POSTCODE,
    "commune": ORIGIN_BY_COMMUNE,
    "point": ORIGIN_BY_POINT,
}


def beyond_lat_sql(cap: float) -> str:
    """Whether any active offer lies beyond latitude ``cap`` (two GiST index probes)."""
    cap = float(cap)
    return f"""EXISTS (
        SELECT 1 FROM offre o WHERE o.statut = 'active' AND (
            o.point && ST_MakeEnvelope(-180, {cap!r}, 180, 90, 4326)
            OR o.point && ST_MakeEnvelope(-180, -90, 180, {-cap!r}, 4326)))"""


#: with an opening time: only offers that may be open then (their half-hour slots, parameter
#: ``creneaux``: time_slots.candidate_tags), tested on the index entries as the filters' tags
MAY_BE_OPEN = "o.etiquettes && CAST(%(creneaux)s AS integer[])"

#: active offers located somewhere (remote-only ones are listed apart)
LOCATED = f"""o.statut = 'active' AND o.point IS NOT NULL
    AND o.modalites_accompagnement <> ARRAY['{REMOTE}']::text[]"""

FULL_ROWS_SQL = f"SELECT {OFFER_COLUMNS} FROM offre o WHERE o.id = ANY(%(ids)s)"


@dataclass
class FirstRows:
    """The first statement's rows, by their ``kind`` column."""

    origin: list[Any] = field(default_factory=list)  # o: the origin communes
    window: list[Any] = field(default_factory=list)  # k: the KNN window's candidates
    stops: list[Any] = field(default_factory=list)  # p: itinerant stops near the origin
    remote: list[Any] = field(default_factory=list)  # r: remote offers
    left_out: list[Any] = field(default_factory=list)  # u: nearby offers with unknown data

    @classmethod
    def split(cls, rows: list[Any]) -> FirstRows:
        first = cls()
        by_kind = {"o": first.origin, "k": first.window, "p": first.stops, "r": first.remote,
                   "u": first.left_out}  # fmt: skip
        for row in rows:
            by_kind[row.kind].append(row)
        return first


def fetch(conn: Connection, sql: str, params: dict[str, Any]) -> list[Any]:
    """Rows (named tuples) of a statement prepared and run on the connection's driver
    cursor, inside the connection's transaction: no ORM row processing on the hot path.

    Prepared at once (planning the statement costs more than running it). Its only
    parameters are the origin's; filters, window sizes and limits are written in the text, so
    that the generic plan, used from the first execution, is estimated with the real
    selectivities: docs/decisions/0005-search-connections-generic-plans.md."""
    with driver_connection(conn) as driver:
        with driver.cursor(row_factory=namedtuple_row, binary=True) as cur:
            cur.execute(sql, params, prepare=True)
            return cur.fetchall()


def postgis_version(conn: Connection) -> str:
    """PostGIS's version through the search's own path (its pool, the driver cursor, a
    prepared statement): the health check's proof that the search can answer."""
    return fetch(conn, "SELECT postgis_lib_version() AS v", {})[0].v


#: the offer columns a first-statement row carries when its offer's row rides along
#: (``id``, ``horaires``, ``lon`` and ``lat`` are columns of every row already)
CARRIED_FIELDS = tuple(name for name in OFFER_FIELDS if name != "horaires")


#: bits of a ``u`` row's ``rang``: which unknown left it out (UNKNOWN_BITS) or no hours
UNKNOWN_BITS = {"prise_en_charge": 1, "frais": 2, "type_offre": 4}
NO_HOURS_BIT = 8


def search_where(filters: Filters, alias: str = "o") -> str:
    """The filters' exact conditions, places not receiving the public left out unless asked."""
    where = filters.where_literal_sql(alias)
    if filters.excludes_reserved:
        where = f"{where} AND NOT {filters.reserved_sql(alias)}"
    return where


def window_flags(filters: Filters) -> str:
    """The columns every window row carries besides its position: ``conforme`` (the exact
    conditions), ``approx`` (placed at its commune's centre) and ``reserve`` (not receiving
    the public: left out, and counted, unless asked)."""
    return (
        f"{search_where(filters)} AS conforme, o.geo_precision = 'commune' AS approx, "
        f"{filters.reserved_sql('o')} AS reserve"
    )


def left_out_sql(filters: Filters, timed: bool, rank: int) -> str:
    """The ``u`` branch: the ``rank`` offers nearest to the origin, within the distance of
    the window's ``rank``-th offer meeting the filters (the whole table when the window holds
    fewer: a condition the tags cannot test, such as the type d'offre, may leave the window
    few), that match the
    filters once unknown data is allowed but that some unknown left out; ``rang`` says which
    (UNKNOWN_BITS, NO_HOURS_BIT). A KNN walk on the index, its tags tested on the entries."""
    relaxed = replace(filters, inclure_inconnus=True, ouvert=None)
    unknown = [f"({lacks_query(c)})" for c in filters.unknowable]
    bits = [f"CASE WHEN {lacks_sql(c)} THEN {UNKNOWN_BITS[c]} ELSE 0 END"
            for c in filters.unknowable]  # fmt: skip
    time_tags = ""
    if timed:
        unknown.append(str(NO_HOURS))
        bits.append(f"CASE WHEN o.etiquettes @> ARRAY[{NO_HOURS}] THEN {NO_HOURS_BIT} ELSE 0 END")
        time_tags = f" AND o.etiquettes && (CAST(%(creneaux)s AS integer[]) || {NO_HOURS})"
    rank = int(rank)
    return f"""
    UNION ALL
    SELECT 'u', id, NULL, NULL, horaires, lon, lat, NULL, flags, NULL, NULL, NULL, conforme,
           false, approx, reserve, {carried_columns(None)}
    FROM (
        SELECT o.id, o.horaires, ST_X(o.point) AS lon, ST_Y(o.point) AS lat,
               {" | ".join(bits)} AS flags, {window_flags(relaxed)}
        FROM offre o
        WHERE {LOCATED} AND {relaxed.tags_literal_sql()}
          AND o.etiquettes @@ '{" | ".join(unknown)}'::query_int{time_tags}
          AND ST_DWithin(o.point, (SELECT geom FROM g), (
              SELECT CASE WHEN count(*) < {rank} THEN 360.0 ELSE max(planar) END
              FROM (SELECT planar FROM knn WHERE conforme ORDER BY planar LIMIT {rank}) n))
        ORDER BY o.point <-> (SELECT geom FROM g)
        LIMIT {rank}
    ) u
    """


def carried_columns(columns: str | None, first: bool = False) -> str:
    """The carried columns: ``columns`` a format for each name (``"f.{0}"``), or NULLs
    (named in the ``first`` branch of the union, which names the columns)."""
    if columns is None:
        return ", ".join(f"NULL AS {n}" if first else "NULL" for n in CARRIED_FIELDS)
    return ", ".join(columns.format(n) for n in CARRIED_FIELDS)


@lru_cache(maxsize=1024)
def candidates_sql(
    filters: Filters,
    mode: str,
    window: int,
    radius_m: int,
    remote_limit: int,
    lat_cap: float,
    prefetch: int,
    timed_rank: int = 0,
    left_out_rank: int = 0,
) -> str:
    """The first statement of a search (its parameters: the origin's): a KNN window of
    ``window`` offers, stops within ``radius_m`` metres, ``remote_limit`` remote offers; the
    origin rows say (``beyond``) whether an active offer lies beyond latitude ``lat_cap``.

    ``timed_rank`` > 0, a search with an opening time: the window holds only offers that may
    be open then (MAY_BE_OPEN, one more parameter). ``left_out_rank`` > 0: rows of kind ``u``
    (left_out_sql), the offers nearer than the window's ``left_out_rank``-th that an unknown
    (accessibility, fees, type d'offre, hours) left out (the answer says so).

    The window holds the nearest offers whose tags match the filters (tested in the index,
    Filters.tags_literal_sql); ``conforme`` says whether the filters themselves hold (false
    only for a hash collision of tags: such a row counts in the window, not in the answer).
    The ``prefetch`` nearest of the window and the first ``prefetch`` remote offers carry
    their whole row (CARRIED_FIELDS, ``complet`` true): the columns cost less than a second
    statement, which then only fetches what the answer holds beyond them."""
    window, radius_m, remote_limit = int(window), int(radius_m), int(remote_limit)
    prefetch, timed_rank = int(prefetch), int(timed_rank)
    where, tags = search_where(filters), filters.tags_literal_sql()
    open_tags = f" AND {MAY_BE_OPEN}" if timed_rank else ""
    origin_point = (
        "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)"
        if mode == "point"
        else "ST_SetSRID(ST_Collect(ST_MakePoint(lon, lat)), 4326)"
    )
    sql = f"""
    WITH origine AS ({ORIGINS[mode]}),
    g AS (SELECT {origin_point} AS geom {"" if mode == "point" else "FROM origine"}),
    r AS (  -- the radius in degrees at the highest latitude of the origin
        SELECT {radius_m}.0 / 110570.0
               / cos(radians(least(89.0, max(abs(ST_Y(d.geom)))))) AS radius
        FROM g, ST_DumpPoints(g.geom) d
    ),
    knn AS (
        SELECT o.id, o.code_insee, o.horaires, ST_X(o.point) AS lon, ST_Y(o.point) AS lat,
               o.point <-> (SELECT geom FROM g) AS planar, {window_flags(filters)},
               row_number() OVER (ORDER BY o.point <-> (SELECT geom FROM g)) <= {prefetch}
                   AS complet,
               {carried_columns("o.{0} AS c_{0}")}
        FROM offre o
        WHERE {LOCATED} AND {tags}{open_tags} AND (SELECT geom FROM g) IS NOT NULL
        ORDER BY o.point <-> (SELECT geom FROM g)
        LIMIT {window}
    ),
    stops AS (
        SELECT p.id, p.code_insee, COALESCE(p.commune_nom, c.nom) AS commune_nom, p.lieu,
               p.horaires, o.id AS offre_id,
               ST_X(COALESCE(p.point, c.point)) AS lon, ST_Y(COALESCE(p.point, c.point)) AS lat
        FROM permanence p
        JOIN offre o0 ON o0.id = p.offre_id
        JOIN offre o ON o.id = CASE WHEN o0.statut = 'fusionnee' THEN o0.fusionnee_dans
                                    ELSE o0.id END
        LEFT JOIN commune c ON c.code = p.code_insee
        WHERE p.statut = 'active' AND o.statut = 'active' AND {where} AND (
            p.code_insee = ANY(ARRAY(SELECT code FROM origine))  -- both sides index scans
            OR ST_DWithin(p.point, (SELECT geom FROM g), (SELECT radius FROM r)))
    ),
    remote AS (
        SELECT * FROM (
            SELECT o.id, o.horaires, row_number() OVER (
                ORDER BY (c.departement = ANY(
                            SELECT departement FROM commune
                            WHERE code IN (SELECT code FROM origine)
                         )) DESC NULLS LAST,
                         o.date_maj DESC NULLS LAST, o.id) AS rang
            FROM offre o LEFT JOIN commune c ON c.code = o.code_insee
            WHERE o.statut = 'active'
              AND o.modalites_accompagnement @> ARRAY['{REMOTE}']::text[]
              AND (o.point IS NULL OR o.modalites_accompagnement = ARRAY['{REMOTE}']::text[])
              AND {where}
        ) ranked
        WHERE rang <= {remote_limit}
    )
    SELECT 'o' AS kind, NULL::bigint AS id, code::text AS code, nom AS commune,
           NULL AS horaires, lon, lat, NULL::float8 AS planar, rang::int AS rang,
           NULL::bigint AS offre_id, NULL AS lieu, {beyond_lat_sql(lat_cap)} AS beyond,
           NULL::boolean AS conforme, false AS complet, NULL::boolean AS approx,
           NULL::boolean AS reserve, {carried_columns(None, first=True)}
    FROM origine
    UNION ALL
    SELECT 'k', id, code_insee::text, NULL, horaires, lon, lat, planar, NULL, NULL, NULL, NULL,
           conforme, complet, approx, reserve,
           {carried_columns("CASE WHEN complet THEN c_{0} END")}
    FROM knn
    UNION ALL
    SELECT 'p', id, code_insee::text, commune_nom, horaires, lon, lat, NULL, NULL, offre_id,
           lieu, NULL, NULL, false, NULL, NULL, {carried_columns(None)}
    FROM stops
    UNION ALL
    SELECT 'r', x.id, NULL, NULL, x.horaires, ST_X(f.point), ST_Y(f.point), NULL, x.rang::int,
           NULL, NULL, NULL, NULL, f.id IS NOT NULL, NULL, NULL, {carried_columns("f.{0}")}
    FROM remote x LEFT JOIN offre f ON f.id = x.id AND x.rang <= {prefetch}
    """
    if left_out_rank:
        sql += left_out_sql(filters, bool(timed_rank), left_out_rank)
    return sql


@lru_cache(maxsize=1024)
def knn_sql(filters: Filters, window: int, timed: bool = False) -> str:
    """The planar KNN window of ``window`` offers alone (parameter: ``origin`` WKT), narrow
    rows: a walk of the GiST index on (point, etiquettes) of active offers, ``planar`` in
    degrees. ``timed``: only offers that may be open at the asked time (MAY_BE_OPEN, one
    more parameter; Python still evaluates each one). ``conforme`` as in
    ``candidates_sql``."""
    tags = filters.tags_literal_sql()
    if timed:
        tags += f" AND {MAY_BE_OPEN}"
    sql = f"""
        SELECT o.id, o.code_insee AS code, o.horaires, ST_X(o.point) AS lon,
               ST_Y(o.point) AS lat, o.point <-> ST_GeomFromText(%(origin)s, 4326) AS planar,
               {window_flags(filters)}
        FROM offre o
        WHERE {LOCATED} AND {tags}
        ORDER BY o.point <-> ST_GeomFromText(%(origin)s, 4326)
        LIMIT {int(window)}
    """
    return sql


@lru_cache(maxsize=1024)
def sphere_sql(filters: Filters, window: int, timed: bool = False) -> str:
    """The window of the ``window`` offers nearest on the sphere (parameter: ``origin3d``,
    the origin's points on the unit sphere, ``POINT Z`` or ``MULTIPOINT Z``), for origins
    whose planar window cannot prove its answer (overseas, far from everything).

    One walk per origin point of the n-D GiST index on (point_3d, etiquettes) (migration
    0008): the straight-line distance between points of the unit sphere (the chord) grows
    with the angle between them, so the index yields the spherical order itself and reads
    only the rows it returns (the geography index's bound, a chord against an arc, made a
    walk from Réunion read every offer of mainland France). Rows: ``planar`` the spherical
    distance in metres to the nearest origin point; ``borne`` the spherical distance below
    which every offer matching the filters is in the window (NULL: every one is)."""
    tags = filters.tags_literal_sql()
    if timed:
        tags += f" AND {MAY_BE_OPEN}"
    window = int(window)
    # (least() ignores NULLs: a NULL chord, no bound, stays NULL through the CASE)
    metres = (
        f"CASE WHEN {{0}} IS NOT NULL THEN {EARTH_RADIUS_M!r} * 2 * asin(least(1.0, {{0}} / 2)) END"
    )
    return f"""
        WITH p AS (
            SELECT (d).path[1] AS walk, (d).geom AS g
            FROM ST_DumpPoints(ST_GeomFromText(%(origin3d)s)) d
        ),
        w AS (
            SELECT p.walk, k.* FROM p CROSS JOIN LATERAL (
                SELECT o.id, o.code_insee AS code, o.horaires, ST_X(o.point) AS lon,
                       ST_Y(o.point) AS lat, o.point_3d <<->> p.g AS chord,
                       {window_flags(filters)}
                FROM offre o
                WHERE {LOCATED} AND {tags}
                ORDER BY o.point_3d <<->> p.g
                LIMIT {window}
            ) k
        ),
        bound AS (  -- the nearest end of the walks that did not run out of offers
            SELECT min(last) AS chord FROM (
                SELECT max(chord) AS last FROM w GROUP BY walk HAVING count(*) = {window}
            ) full_walks
        )
        SELECT id, code, horaires, lon, lat, conforme, approx, reserve,
               {metres.format("min(chord)")} AS planar,
               {metres.format("(SELECT chord FROM bound)")} AS borne
        FROM w
        GROUP BY id, code, horaires, lon, lat, conforme, approx, reserve
        ORDER BY min(chord)
        LIMIT {window}
    """


def full_rows(conn: Connection, ids: Sequence[int]) -> dict[int, Any]:
    """{id: row with OFFER_COLUMNS} of the given offers."""
    if not ids:
        return {}
    return {r.id: r for r in fetch(conn, FULL_ROWS_SQL, {"ids": list(ids)})}
