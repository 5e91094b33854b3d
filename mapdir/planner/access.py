"""Access per commune: the nearest counting offer of each commune and its geodesic distance.

The access query is ONE statement: for every commune, a KNN lateral join takes the
`FAST_WINDOW` nearest active offers with the planar `<->` operator (degrees of lon/lat, as
`geometry <->` on SRID 4326) on the GiST index of `offre.point_xy`, an index-only scan, and
returns their coordinates; their geodesic distances are computed in Python
(pyproj, WGS84: the ellipsoid of PostGIS geography) and the nearest is kept. Planar degree
order is not geodesic order (a degree of longitude is ~0.7 of a degree of latitude in
France), so the answer is accepted only when the window provably holds every offer nearer
than it (the window's farthest planar distance exceeds the planar radius of that geodesic
distance); the few unproven communes get wider windows, and the far-away ones (overseas)
are compared with every offer. An active permanence of an active offer stopping in the
commune counts as an offer at distance 0. Merged offers (`statut = 'fusionnee'`) never
count; a permanence of a merged offer counts for the offer it was merged into.

The proof is the search's (docs/decisions/0003-knn-walk-with-planar-bound.md). Speed (the
national run, 35,000 communes against 100,000 offers: docs/benchmarks.md): the statement is
run on the driver's cursor in binary mode (no ORM rows), offers' names are fetched
afterwards for the chosen ones only, permanences are hash-joined instead of probed, and
nationally (`parallel=True`) the same statement runs on two halves of the communes through
two connections, so that both cores work.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import chain
from typing import NamedTuple

import numpy as np
from sqlalchemy import select
from sqlalchemy.engine import Connection

from mapdir.db.rows import any_of
from mapdir.db.tables import offre
from mapdir.geo.geodesy import central_angle, ellipsoid_m, near_nearest
from mapdir.offers.filters import Filters
from mapdir.planner.queries import (
    CANDIDATES_SQL,
    CANTON,
    CODE,
    COMMUNES_BY_CODES,
    COMMUNES_OF_DEPARTEMENT,
    EPCI,
    EVERY_COMMUNE,
    EVERY_OFFER_SQL,
    HALF_OF_THE_COMMUNES,
    IDS,
    LAT,
    LATS,
    LON,
    LONS,
    NOM,
    PERM,
    PLANAR,
    POPULATION,
    fetch_binary,
)

FAST_WINDOW = 8
WIDER_WINDOWS = (48, 256)

#: (distance in metres, offer id, reached through a permanence)
Best = tuple[float, int, bool]


class CommuneAccess(NamedTuple):
    """A commune, its representative point and its nearest counting offer (None: none).
    A named tuple: the national run builds 35,000 of them."""

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


def _statement(offer_filter: Filters, commune_filter: str, window: int) -> str:
    return CANDIDATES_SQL.format(
        commune_filter=commune_filter,
        offer_filter_o=offer_filter.where_literal_sql("o"),
        offer_filter_s=offer_filter.where_literal_sql("s"),
        window=int(window),
    )


def _exhaustive(conn: Connection, rows: list[tuple], offer_filter: Filters) -> dict[str, Best]:
    """Nearest offer of far-away communes (overseas, nothing within hundreds of km) against
    every counting offer: great-circle distances (numpy) select the offers within 1.2 % of
    the nearest one, which holds the ellipsoidal nearest (the two distances differ by less
    than 0.6 %), then their exact WGS84 distances decide."""
    sql = EVERY_OFFER_SQL.format(offer_filter_o=offer_filter.where_literal_sql("o"))
    offers = fetch_binary(conn, sql, {})
    ids = np.array([o[0] for o in offers], dtype=np.int64)
    lon = np.array([o[1] for o in offers], dtype=float)
    lat = np.array([o[2] for o in offers], dtype=float)
    out: dict[str, Best] = {}
    for r in rows:
        best: Best | None = (0.0, r[PERM], True) if r[PERM] is not None else None
        if len(offers):
            sphere = central_angle(r[LON], r[LAT], lon, lat)
            near = np.flatnonzero(near_nearest(sphere, sphere.min()))
            dist = ellipsoid_m(
                np.full(len(near), r[LON]), np.full(len(near), r[LAT]), lon[near], lat[near]
            )
            k = min(range(len(near)), key=lambda j: (dist[j], ids[near[j]]))
            cand = (float(dist[k]), int(ids[near[k]]), False)
            if best is None or cand[:2] < best[:2]:
                best = cand
        if best is not None:
            out[r[CODE]] = best
    return out


def _fast_access(rows: list[tuple], window: int) -> tuple[dict[str, Best], list[str]]:
    """Nearest offer of each commune among its planar candidates; codes left unproven.

    Vectorised: one geodesic computation for every (commune, candidate) pair, then the
    smallest (distance, id) per commune by a lexicographic sort. Communes without any
    candidate nor permanence are absent from the answer."""
    n = len(rows)
    counts = np.fromiter((len(r[IDS] or ()) for r in rows), dtype=np.int64, count=n)
    owners = np.repeat(np.arange(n), counts)
    clon = np.fromiter((r[LON] for r in rows), dtype=float, count=n)
    clat = np.fromiter((r[LAT] for r in rows), dtype=float, count=n)
    total = int(counts.sum())
    lons = np.fromiter(chain.from_iterable(r[LONS] or () for r in rows), dtype=float, count=total)
    lats = np.fromiter(chain.from_iterable(r[LATS] or () for r in rows), dtype=float, count=total)
    ids = np.fromiter(chain.from_iterable(r[IDS] or () for r in rows), dtype=np.int64, count=total)
    best_dist = np.full(n, np.inf)
    best_id = np.zeros(n, dtype=np.int64)
    if total:
        # great-circle distances (numpy) keep the candidates within 1.2 % of each commune's
        # nearest, which hold its ellipsoidal nearest (the two differ by less than 0.6 %);
        # only those get the exact (slower) WGS84 distance
        sphere = central_angle(clon[owners], clat[owners], lons, lats)
        nearest = np.full(n, np.inf)
        np.minimum.at(nearest, owners, sphere)
        keep = np.flatnonzero(near_nearest(sphere, nearest[owners]))
        dist = ellipsoid_m(clon[owners[keep]], clat[owners[keep]], lons[keep], lats[keep])
        order = np.lexsort((ids[keep], dist, owners[keep]))
        firsts, at = np.unique(owners[keep][order], return_index=True)
        best_dist[firsts] = dist[order[at]]
        best_id[firsts] = ids[keep][order[at]]
    # offers beyond the window are at least `planar` degrees away: proven when that exceeds
    # the planar radius of the best geodesic distance (wider windows otherwise)
    phi = np.minimum(80.0, np.abs(clat) + np.where(np.isfinite(best_dist), best_dist, 0) / 55000.0)
    radius = best_dist / (110570.0 * np.cos(np.radians(phi)))
    planar = np.fromiter(
        (r[PLANAR] if r[PLANAR] is not None else np.nan for r in rows), dtype=float, count=n
    )
    unproven_mask = (counts == window) & np.isfinite(best_dist) & ~(planar > radius)
    found: dict[str, Best] = {}
    unproven: list[str] = []
    for i, r in enumerate(rows):
        perm = r[PERM]
        if perm is not None and not (best_dist[i] == 0.0 and best_id[i] < perm):
            found[r[CODE]] = (0.0, perm, True)  # nothing is nearer than 0 m
        elif unproven_mask[i]:
            unproven.append(r[CODE])
        elif counts[i]:
            found[r[CODE]] = (float(best_dist[i]), int(best_id[i]), False)
    return found, unproven


def _national_rows(conn: Connection, sql: str, params: dict) -> list[tuple]:
    """The statement for every commune of France, run on two halves of the communes at once
    (two more connections of the same engine: committed data only), so that both cores
    work; same statement, same answer."""

    def half(part: int) -> list[tuple]:
        with conn.engine.connect() as other:
            return fetch_binary(other, sql, {**params, "part": part}, no_jit=True)

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(half, (0, 1))
    return first + second


def _offer_names(conn: Connection, ids: set[int]) -> dict[int, str]:
    rows = conn.execute(select(offre.c.id, offre.c.nom).where(any_of(offre.c.id, sorted(ids))))
    return dict(rows.all())


def commune_access(
    conn: Connection,
    departement: str | None = None,
    codes: Sequence[str] | None = None,
    offer_filter: Filters | None = None,
    parallel: bool = False,
) -> list[CommuneAccess]:
    """Nearest counting offer of every commune of `departement` (or of `codes`; neither: all
    communes of France), in one statement. `parallel` (national only): run it on two halves
    through two more connections, which see committed data only."""
    offer_filter = offer_filter or Filters()
    by_codes = COMMUNES_BY_CODES
    if codes is not None:
        commune_filter = by_codes
    elif departement is not None:
        commune_filter = COMMUNES_OF_DEPARTEMENT
    else:
        commune_filter = EVERY_COMMUNE  # every commune of France (benchmarks, national reports)
    params = {"departement": departement, "codes": list(codes or [])}
    if commune_filter == EVERY_COMMUNE and parallel:
        statement = _statement(offer_filter, HALF_OF_THE_COMMUNES, FAST_WINDOW)
        rows = _national_rows(conn, statement, params)
    else:
        sql = _statement(offer_filter, commune_filter, FAST_WINDOW)
        rows = fetch_binary(conn, sql, params, no_jit=True)
    found, unproven = _fast_access(rows, FAST_WINDOW)
    communes = {r[CODE]: r for r in rows}
    last = rows
    for window in WIDER_WINDOWS:  # the unproven few: more candidates, same proof
        if not unproven:
            break
        sql = _statement(offer_filter, by_codes, window)
        last = fetch_binary(conn, sql, {**params, "codes": unproven})
        more, unproven = _fast_access(last, window)
        found.update(more)
    if unproven:  # far from everything: compare with every offer
        left = set(unproven)
        found.update(_exhaustive(conn, [r for r in last if r[CODE] in left], offer_filter))
    names = _offer_names(conn, {b[1] for b in found.values()}) if found else {}
    out = []
    for code in sorted(communes):
        r, best = communes[code], found.get(code)
        out.append(
            CommuneAccess(
                code=code,
                nom=r[NOM],
                population=int(r[POPULATION]),
                lon=float(r[LON]),
                lat=float(r[LAT]),
                epci=r[EPCI],
                canton=r[CANTON],
                offre_id=best[1] if best else None,
                offre_nom=names.get(best[1]) if best else None,
                distance_m=best[0] if best else None,
                via_permanence=bool(best and best[2]),
            )
        )
    return out
