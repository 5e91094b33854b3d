"""SQL adapters of the planner: communes, their nearest active offer, territories, counts.

The access query is ONE statement: for every commune, a KNN lateral join takes the
`FAST_WINDOW` nearest active offers with the planar `geometry <->` operator on the GiST index
(SRID 4326) and returns their coordinates; their geodesic distances are computed in Python
(pyproj, WGS84: the ellipsoid of PostGIS geography) and the nearest is kept. Planar degree
order is not geodesic order (a degree of longitude is ~0.7 of a degree of latitude in
France), so the answer is accepted only when the window provably holds every offer nearer
than it (the window's farthest planar distance exceeds the planar radius of that geodesic
distance); the few unproven communes get wider windows, and the far-away ones (overseas)
are compared with every offer. An active permanence of an active offer stopping in the
commune counts as an offer at distance 0. Merged offers (`statut = 'fusionnee'`) never
count; a permanence of a merged offer counts for the offer it was merged into. Nationally,
the statement can run on two halves of the communes in parallel (`parallel=True`).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
from pyproj import Geod
from sqlalchemy import text
from sqlalchemy.engine import Connection

from mapdir.errors import InvalidParameter, NotFound

FAST_WINDOW = 8
WIDER_WINDOWS = (48, 256)
GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class OfferFilter:
    """Which offers count: any of `services` (slugs) and/or carrying the `programme` label."""

    services: tuple[str, ...] = ()
    programme: str | None = None

    def sql(self, alias: str) -> str:
        """SQL predicate on offer alias `alias` (parameters :services and :programme)."""
        parts = []
        if self.services:
            parts.append(f"{alias}.services && CAST(:services AS text[])")
        if self.programme:
            parts.append(f":programme = ANY({alias}.programmes)")
        return " AND ".join(parts) or "true"

    def params(self) -> dict:
        """Bind parameters for `sql`."""
        return {"services": list(self.services), "programme": self.programme}


@dataclass(frozen=True)
class CommuneAccess:
    """A commune, its representative point and its nearest counting offer (None: none)."""

    code: str
    nom: str
    population: int
    lon: float
    lat: float
    epci: str | None
    canton: str | None
    offre_id: int | None
    offre_nom: str | None
    distance_m: float | None
    via_permanence: bool


CANDIDATES_SQL = """
WITH c AS (
    SELECT code, nom, coalesce(population, 0) AS population, point, epci, canton
    FROM commune
    WHERE point IS NOT NULL AND {commune_filter}
)
SELECT c.code, c.nom, c.population, ST_X(c.point) AS lon, ST_Y(c.point) AS lat,
       c.epci, c.canton, k.ids, k.noms, k.lons, k.lats, k.planar, k.n,
       perm.id AS perm_id, perm.nom AS perm_nom
FROM c
LEFT JOIN LATERAL (
    SELECT array_agg(x.id ORDER BY x.d, x.id) AS ids, array_agg(x.nom ORDER BY x.d, x.id) AS noms,
           array_agg(ST_X(x.point) ORDER BY x.d, x.id) AS lons,
           array_agg(ST_Y(x.point) ORDER BY x.d, x.id) AS lats,
           max(x.d) AS planar, count(*) AS n
    FROM (
        SELECT o.id, o.nom, o.point, o.point <-> c.point AS d
        FROM offre o
        WHERE o.statut = 'active' AND o.point IS NOT NULL AND {offer_filter_o}
        ORDER BY o.point <-> c.point
        LIMIT {window}
    ) x
) k ON true
LEFT JOIN LATERAL (
    SELECT s.id, s.nom
    FROM permanence p
    JOIN offre o0 ON o0.id = p.offre_id
    JOIN offre s ON s.id = coalesce(o0.fusionnee_dans, o0.id)
    WHERE p.code_insee = c.code AND p.statut = 'active' AND s.statut = 'active'
      AND {offer_filter_s}
    ORDER BY s.id
    LIMIT 1
) perm ON true
"""


def _bound_deg(lat: float, distance_m: float) -> float:
    """Planar radius (degrees) holding every point within ``distance_m`` metres (as in SQL)."""
    phi = min(80.0, abs(lat) + distance_m / 55000.0)
    return distance_m / (110570.0 * float(np.cos(np.radians(phi))))


def _access(r: Any, best: tuple[float, int, str | None, bool] | None) -> CommuneAccess:
    return CommuneAccess(
        code=r.code,
        nom=r.nom,
        population=int(r.population),
        lon=float(r.lon),
        lat=float(r.lat),
        epci=r.epci,
        canton=r.canton,
        offre_id=best[1] if best else None,
        offre_nom=best[2] if best else None,
        distance_m=best[0] if best else None,
        via_permanence=bool(best and best[3]),
    )


def _exhaustive(
    conn: Connection, rows: list[Any], offer_filter: OfferFilter, params: dict
) -> list[CommuneAccess]:
    """Nearest offer of far-away communes (overseas, nothing within hundreds of km) against
    every counting offer: great-circle distances (numpy) select the offers within 1.2 % of
    the nearest one, which holds the ellipsoidal nearest (the two distances differ by less
    than 0.6 %), then their exact WGS84 distances decide."""
    offers = conn.execute(
        text(
            "SELECT o.id, o.nom, ST_X(o.point) AS lon, ST_Y(o.point) AS lat FROM offre o"
            f" WHERE o.statut = 'active' AND o.point IS NOT NULL AND {offer_filter.sql('o')}"
        ),
        params,
    ).all()
    ids = np.array([o.id for o in offers], dtype=np.int64)
    lon = np.radians([o.lon for o in offers])
    lat = np.radians([o.lat for o in offers])
    out = []
    for r in rows:
        best: tuple[float, int, str | None, bool] | None = None
        if r.perm_id is not None:
            best = (0.0, r.perm_id, r.perm_nom, True)
        if len(offers):
            lon0, lat0 = np.radians(r.lon), np.radians(r.lat)
            hav = (
                np.sin((lat - lat0) / 2) ** 2
                + np.cos(lat0) * np.cos(lat) * np.sin((lon - lon0) / 2) ** 2
            )
            sphere = 2 * np.arcsin(np.sqrt(hav))
            near = np.flatnonzero(sphere <= sphere.min() * 1.012 + 1e-12)
            _, _, dist = GEOD.inv(
                np.full(len(near), r.lon), np.full(len(near), r.lat),
                np.degrees(lon[near]), np.degrees(lat[near]),
            )  # fmt: skip
            k = min(range(len(near)), key=lambda j: (dist[j], ids[near[j]]))
            cand = (float(dist[k]), int(ids[near[k]]), offers[near[k]].nom, False)
            if best is None or cand[:2] < best[:2]:
                best = cand
        out.append(_access(r, best))
    return out


def _fast_access(rows: list[Any], window: int) -> tuple[list[CommuneAccess], list[str]]:
    """Nearest offer of each commune among its planar candidates; codes left unproven.

    Vectorised: one geodesic computation for every (commune, candidate) pair, then the
    smallest (distance, id) per commune by a lexicographic sort."""
    counts = np.fromiter((r.n or 0 for r in rows), dtype=np.int64, count=len(rows))
    owners = np.repeat(np.arange(len(rows)), counts)
    clon = np.fromiter((r.lon for r in rows), dtype=float, count=len(rows))
    clat = np.fromiter((r.lat for r in rows), dtype=float, count=len(rows))
    total = int(counts.sum())
    lons = np.fromiter(chain.from_iterable(r.lons or () for r in rows), dtype=float, count=total)
    lats = np.fromiter(chain.from_iterable(r.lats or () for r in rows), dtype=float, count=total)
    ids = np.fromiter(chain.from_iterable(r.ids or () for r in rows), dtype=np.int64, count=total)
    best_at: dict[int, int] = {}
    dist = np.zeros(0)
    if total:
        _, _, dist = GEOD.inv(clon[owners], clat[owners], lons, lats)
        order = np.lexsort((ids, dist, owners))
        first = np.unique(owners[order], return_index=True)
        best_at = dict(zip(first[0].tolist(), order[first[1]].tolist(), strict=True))
    names = list(chain.from_iterable(r.noms or () for r in rows))
    out: list[CommuneAccess] = []
    unproven: list[str] = []
    for i, r in enumerate(rows):
        best: tuple[float, int, str, bool] | None = None
        if r.perm_id is not None:
            best = (0.0, r.perm_id, r.perm_nom, True)
        k = best_at.get(i)
        if k is not None:
            cand = (float(dist[k]), int(ids[k]), names[k], False)
            if best is None or cand[:2] < best[:2]:
                best = cand
        # offers beyond the window are at least `planar` degrees away: proven when that
        # exceeds the planar radius of the best geodesic distance (SQL fallback otherwise)
        if (
            counts[i] == window
            and best is not None
            and best[0] > 0.0  # nothing is nearer than 0 m: ties then go to the lower id
            and not r.planar > _bound_deg(r.lat, best[0])
        ):
            unproven.append(r.code)
            continue
        out.append(_access(r, best))
    return out, unproven


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


def _national_rows(conn: Connection, offer_filter: OfferFilter, params: dict) -> list[Any]:
    """The candidate statement for every commune of France, run on two halves of the
    communes at once (two connections of the same engine: committed data only), so that
    both cores work; same statement, same answer."""
    sql = CANDIDATES_SQL.format(
        commune_filter="abs(hashtext(code)) % 2 = :part",
        offer_filter_o=offer_filter.sql("o"),
        offer_filter_s=offer_filter.sql("s"),
        window=FAST_WINDOW,
    )

    def half(part: int) -> list[Any]:
        with conn.engine.connect() as other:
            return other.execute(text(sql), {**params, "part": part}).all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(half, (0, 1))
    return first + second


def commune_access(
    conn: Connection,
    departement: str | None = None,
    codes: Sequence[str] | None = None,
    offer_filter: OfferFilter | None = None,
    parallel: bool = False,
) -> list[CommuneAccess]:
    """Nearest counting offer of every commune of `departement` (or of `codes`; neither: all
    communes of France), in one statement. `parallel` (national only): run it on two halves
    through two more connections, which see committed data only."""
    offer_filter = offer_filter or OfferFilter()
    if codes is not None:
        commune_filter = "code = ANY(CAST(:codes AS varchar[]))"
    elif departement is not None:
        commune_filter = "departement = :departement"
    else:
        commune_filter = "true"  # every commune of France (benchmarks, national reports)
    params = {"departement": departement, "codes": list(codes or []), **offer_filter.params()}
    fast_sql = CANDIDATES_SQL.format(
        commune_filter=commune_filter,
        offer_filter_o=offer_filter.sql("o"),
        offer_filter_s=offer_filter.sql("s"),
        window=FAST_WINDOW,
    )
    if commune_filter == "true" and parallel:
        rows = _national_rows(conn, offer_filter, params)
    else:
        rows = conn.execute(text(fast_sql), params).all()
    found, unproven = _fast_access(rows, FAST_WINDOW)
    last = rows
    for window in WIDER_WINDOWS:  # the unproven few: more candidates, same proof
        if not unproven:
            break
        wider = CANDIDATES_SQL.format(
            commune_filter="code = ANY(CAST(:codes AS varchar[]))",
            offer_filter_o=offer_filter.sql("o"),
            offer_filter_s=offer_filter.sql("s"),
            window=window,
        )
        last = conn.execute(text(wider), {**params, "codes": unproven}).all()
        more, unproven = _fast_access(last, window)
        found += more
    if unproven:  # far from everything: compare with every offer
        left = set(unproven)
        found += _exhaustive(conn, [r for r in last if r.code in left], offer_filter, params)
    return sorted(found, key=lambda a: a.code)


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


def offer_indicators(
    conn: Connection, departement: str, offer_filter: OfferFilter | None = None
) -> dict:
    """Funders' counts for the département: active offers by typologie and programme,
    active permanences, permanences planned (statut 'projet')."""
    offer_filter = offer_filter or OfferFilter()
    base = (
        "FROM offre o JOIN commune c ON c.code = o.code_insee"
        f" WHERE c.departement = :d AND o.statut = 'active' AND {offer_filter.sql('o')}"
    )
    params = {"d": departement, **offer_filter.params()}
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
