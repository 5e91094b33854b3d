"""The planner's hand-written statements, and the one way they run.

They earn their place: each reads tens of thousands of rows straight into numpy arrays
(binary rows of the driver's cursor, no row objects), the national access query walks the
GiST index of ``offre.point_xy`` once per commune with an index-only KNN window (ADR 0003),
and the filters are written into the text as literals (``Filters.where_literal_sql``) so
that PostgreSQL plans with the filters' real selectivity. psycopg parameter style
(``%(name)s``). Plain reads and writes of the planner use Core statements on the declared
tables instead (mapdir.planner.territories, publication, accessibility).
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from mapdir.db import driver_connection

#: the nearest offers of each commune (a KNN window of the index on point_xy) and the
#: offer holding a permanence there: the national access query, one statement for 35,000
#: communes (ADR 0003); {offer_filter_*} are Filters.where_literal_sql
CANDIDATES_SQL = """
WITH perm AS (
    SELECT DISTINCT ON (p.code_insee) p.code_insee, s.id
    FROM permanence p
    JOIN offre o0 ON o0.id = p.offre_id
    JOIN offre s ON s.id = coalesce(o0.fusionnee_dans, o0.id)
    WHERE p.statut = 'active' AND s.statut = 'active' AND {offer_filter_s}
    ORDER BY p.code_insee, s.id
)
SELECT c.code, c.nom, coalesce(c.population, 0), ST_X(c.point), ST_Y(c.point), c.epci,
       c.canton, perm.id, k.ids, k.lons, k.lats, k.planar
FROM (
    SELECT code, nom, population, point, epci, canton,
           point(ST_X(point), ST_Y(point)) AS xy
    FROM commune c
    WHERE point IS NOT NULL AND {commune_filter}
) c
LEFT JOIN perm ON perm.code_insee = c.code
LEFT JOIN LATERAL (
    SELECT array_agg(x.id) AS ids, array_agg(x.point_xy[0]) AS lons,
           array_agg(x.point_xy[1]) AS lats, max(x.d) AS planar
    FROM (
        SELECT o.id, o.point_xy, o.point_xy <-> c.xy AS d
        FROM offre o
        WHERE o.statut = 'active' AND o.point_xy IS NOT NULL AND {offer_filter_o}
        ORDER BY o.point_xy <-> c.xy
        LIMIT {window}
    ) x
) k ON true
"""
# row positions
CODE, NOM, POPULATION, LON, LAT, EPCI, CANTON, PERM, IDS, LONS, LATS, PLANAR = range(12)

#: every counting offer's position, for the few communes far from everything
EVERY_OFFER_SQL = (
    "SELECT o.id, ST_X(o.point), ST_Y(o.point) FROM offre o WHERE o.statut = 'active'"
    " AND o.point IS NOT NULL AND {offer_filter_o}"
)

#: the communes and their need shares, into numpy arrays
COMMUNES_SQL = """
SELECT c.code, c.nom, c.departement, coalesce(c.epci, ''), coalesce(c.canton, ''),
       coalesce(c.population, 0), ST_X(c.point), ST_Y(c.point),
       i.part_65_plus, i.part_peu_diplomes
FROM commune c LEFT JOIN indicateur_commune i ON i.code_insee = c.code
WHERE c.point IS NOT NULL AND {where}
ORDER BY c.code
"""

#: the places of the communes' offers and permanences (where people live: their median)
BOURG_SQL = """
SELECT x.code, ST_X(x.point), ST_Y(x.point) FROM (
    SELECT o.code_insee AS code, o.point FROM offre o
    WHERE o.point IS NOT NULL AND o.statut <> 'projet'
      AND o.geo_precision IN ('adresse', 'rue', 'source') AND {codes_o}
    UNION ALL
    SELECT p.code_insee, p.point FROM permanence p
    WHERE p.point IS NOT NULL AND p.statut <> 'projet' AND {codes_p}
) x JOIN commune c ON c.code = x.code
WHERE NOT ST_Equals(x.point, c.point) AND (c.geom IS NULL OR ST_Intersects(c.geom, x.point))
"""

#: supply points: fixed offers, and the active permanences of itinerant ones instead of
#: their base (set-based UNION, read into numpy arrays), in a stable order
SUPPLY_SQL = """
WITH touring AS (  -- itinerant offers with active stops: the stops count, not the base
    SELECT DISTINCT coalesce(o0.fusionnee_dans, o0.id) AS id
    FROM permanence p JOIN offre o0 ON o0.id = p.offre_id WHERE p.statut = 'active'
)
SELECT o.id, 0, o.nom, o.code_insee, coalesce(o.geo_precision, 'source'),
       ST_X(o.point), ST_Y(o.point), o.horaires, o.services, o.modalites_accompagnement,
       o.programmes, false
FROM offre o LEFT JOIN touring t ON t.id = o.id AND 'Itinérant' = ANY(o.itinerance)
WHERE o.statut = 'active' AND o.point IS NOT NULL AND t.id IS NULL AND {filter_o} AND {area_o}
UNION ALL
SELECT s.id, p.id, s.nom, p.code_insee,
       CASE WHEN p.point IS NULL THEN 'commune' ELSE 'adresse' END,
       ST_X(coalesce(p.point, c.point)), ST_Y(coalesce(p.point, c.point)), p.horaires,
       s.services, s.modalites_accompagnement, s.programmes, true
FROM permanence p
JOIN offre o0 ON o0.id = p.offre_id
JOIN offre s ON s.id = coalesce(o0.fusionnee_dans, o0.id)
JOIN commune c ON c.code = p.code_insee
WHERE p.statut = 'active' AND s.statut = 'active' AND c.point IS NOT NULL
  AND {filter_s} AND {area_p}
ORDER BY 1, 2  -- offer id, permanence id: the answer's order, whatever the tables' order
"""

#: conditions on the communes (alias c) of CANDIDATES_SQL and COMMUNES_SQL
EVERY_COMMUNE = "true"
COMMUNES_BY_CODES = "c.code = ANY(CAST(%(codes)s AS text[]))"
COMMUNES_OF_DEPARTEMENT = "c.departement = %(departement)s"
HALF_OF_THE_COMMUNES = "abs(hashtext(c.code)) %% 2 = %(part)s"  # part: 0 or 1
#: a box given as the parameters x0, y0, x1, y1 (WGS 84)
BOX = "ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326)"
COMMUNES_IN_BOX = f"c.point && {BOX}"
#: BOURG_SQL's condition on the places (alias {a}) of some communes
PLACES_OF_CODES = "{a}.code_insee = ANY(%(codes)s)"
#: SUPPLY_SQL's areas: the offers' and the permanences' places in a box
OFFERS_IN_BOX = f"o.point && {BOX}"
PERMANENCES_IN_BOX = f"coalesce(p.point, c.point) && {BOX}"


def fetch_binary(conn: Connection, sql: str, params: dict, no_jit: bool = False) -> list[tuple]:
    """Binary rows of a statement on the driver's cursor; ``no_jit`` for the candidate
    statement (compiling it costs more than it saves; set for the transaction)."""
    with driver_connection(conn) as driver, driver.cursor(binary=True) as cur:
        if no_jit:
            cur.execute("SET LOCAL jit = off")
        cur.execute(sql, params)
        return cur.fetchall()
