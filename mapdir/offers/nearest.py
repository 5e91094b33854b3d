"""The N nearest offers of an origin, proven: a KNN index scan in planar order (degrees)
yields a window of candidates, the exact geodesic distance re-ranks them, and the window
widens (bounded loop) until the N-th result is provably nearer than any offer outside it,
or the table is exhausted; far from everything (overseas), a walk in spherical order
takes over (search_sql.sphere_sql)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
from sqlalchemy.engine import Connection

from mapdir.geo.geodesy import EARTH_RADIUS_M, geodesic_m
from mapdir.hours import evaluate
from mapdir.hours.time_slots import NO_HOURS, candidate_tags
from mapdir.offers import search_sql
from mapdir.offers.filters import Filters

MAX_ROUNDS = 6
#: the first KNN window: this many times N, at least MIN_WINDOW offers (with an opening time
#: too: the index's slots leave few candidates for the exact evaluation to drop). Window
#: sizes and their measurements: docs/decisions/0003-knn-walk-with-planar-bound.md
WINDOW_FACTOR = 2
MIN_WINDOW = 40
#: a window that could not prove the answer grows this many times
WIDENING = 2
#: a first window reaching this far (degrees) means the answer lies in other regions
#: (overseas): the spherical walk takes over at once, where widening the planar window
#: would not prove it
FAR_WINDOW_DEG = 3.0
MAX_WINDOW = 50_000
#: ellipsoidal (WGS84) / spherical (mean radius, search_sql.sphere_sql) distance, a lower bound
SPHERE_TO_ELLIPSOID_MIN = 0.994
BOUND_GRID = 32
#: the grid's steps on [0, 1] (np.linspace costs more than the bound itself)
_UNIT_GRID = np.linspace(0.0, 1.0, BOUND_GRID + 1)


#: an offer placed at its commune's centre ranks after the offers placed exactly within the
#: same kilometre (its true place may be anywhere in the commune)
APPROX_BUCKET_M = 1000.0


@dataclass
class Candidate:
    """An offer of the answer being built: its distance (to the place, or to its nearest
    stop when ``via_permanence``), the commune it is counted in, its stops' next passages;
    ``approx`` when the place is known only by its commune's centre."""

    id: int
    distance_m: float
    commune: str | None
    passages: list[dict[str, Any]] = field(default_factory=list)
    via_permanence: bool = False
    approx: bool = False

    def rank_key(self, codes: set[str]) -> tuple:
        """Nearest first (metre precision); an approximate place after the exact ones of
        its kilometre; then in an origin commune, then by id."""
        bucket = self.distance_m // APPROX_BUCKET_M
        return (bucket, self.approx, round(self.distance_m), self.commune not in codes, self.id)

    @property
    def proof_distance_m(self) -> float:
        """The distance an offer outside the window must exceed to rank after this one."""
        if self.approx:
            return (self.distance_m // APPROX_BUCKET_M + 1) * APPROX_BUCKET_M
        return self.distance_m


@dataclass
class Unknown:
    """An offer a filter left out for lack of information: its distance and what it lacks
    (``horaires``, ``prise_en_charge``, ``frais``)."""

    id: int
    distance_m: float
    lacks: tuple[str, ...]


@dataclass
class Window:
    """What a window gives: the candidates, nearest first, and the offers left out near them
    for lack of information (hours unknown) or because they do not receive the public."""

    entries: list[Candidate] = field(default_factory=list)
    unknown: list[Unknown] = field(default_factory=list)
    reserved: list[tuple[int, float]] = field(default_factory=list)


@dataclass
class Origin:
    """Where distances are measured from: one or several commune centres, or a point."""

    points: list[tuple[float, float]]  # (lon, lat)
    communes: list[dict[str, Any]]
    mode: str

    @cached_property
    def codes(self) -> set[str]:
        return {c["code"] for c in self.communes}

    @property
    def wkt(self) -> str:
        if len(self.points) == 1:
            lon, lat = self.points[0]
            return f"POINT({lon!r} {lat!r})"
        return "MULTIPOINT(" + ",".join(f"({lon!r} {lat!r})" for lon, lat in self.points) + ")"

    @property
    def wkt3d(self) -> str:
        """The origin's points on the unit sphere (x toward 0° E, z toward the North Pole),
        for the spherical walk (search_sql.sphere_sql)."""
        points = np.radians(np.asarray(self.points, dtype=float))
        lon, lat = points[:, 0], points[:, 1]
        xyz = np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))
        coords = ",".join(f"({x!r} {y!r} {z!r})" for x, y, z in xyz.tolist())
        return f"MULTIPOINT Z ({coords})"

    def as_json(self) -> dict[str, Any]:
        lon = sum(p[0] for p in self.points) / len(self.points)
        lat = sum(p[1] for p in self.points) / len(self.points)
        return {
            "mode": self.mode,
            "communes": self.communes,
            "point": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
            "points_de_calcul": len(self.points),
            "points": [[round(x, 6), round(y, 6)] for x, y in self.points],
        }


def exclusion_bound_m(origin: Origin, planar_deg: float, lat_cap: float = 90.0) -> float:
    """A lower bound of the geodesic distance of any offer at ``planar_deg`` degrees or more
    (planar) from every origin point, all offers lying within ``lat_cap`` of latitude.

    With a = |Δlat|, b = |Δlon| and a² + b² ≥ D², the haversine of the central angle is
    sin²(a/2) + cos φ0 cos φ1 sin²(b'/2), where b' = min(b, 180 - |λ0|) (the antimeridian)
    and |φ1| ≤ min(lat_cap, |φ0| + D). Both terms grow with a and b, so the minimum over a
    grid of a (taking a at the cell's low end, b at its high end) is a rigorous bound;
    spherical to ellipsoidal distances lose at most 0.6 %."""
    d = min(planar_deg, 360.0)
    grid = _UNIT_GRID * min(d, 180.0)
    low_a = np.radians(grid[:-1])[None, :]
    high_b = np.sqrt(np.maximum(d * d - grid[1:] ** 2, 0.0))[None, :]
    points = np.asarray(origin.points, dtype=float)
    lon0, lat0 = np.abs(points[:, 0:1]), points[:, 1:2]
    phi1 = np.minimum(lat_cap, np.abs(lat0) + d)
    c = np.cos(np.radians(lat0)) * np.maximum(0.0, np.cos(np.radians(phi1)))
    b = np.radians(np.minimum(high_b, 180.0 - lon0))
    hav = np.sin(low_a / 2) ** 2 + c * np.sin(b / 2) ** 2
    theta = 2 * math.asin(min(1.0, math.sqrt(float(hav.min()))))
    return SPHERE_TO_ELLIPSOID_MIN * EARTH_RADIUS_M * theta


def open_slots(filters: Filters) -> list[int]:
    """The tags of the offers that may be open at the filters' time: its half-hour slot(s),
    and no hours at all when unknown hours are included."""
    tags = candidate_tags(filters.ouvert)
    return [*tags, NO_HOURS] if filters.inclure_inconnus else tags


def first_window(limit: int) -> int:
    """Size of the first KNN window for N results."""
    return max(round(WINDOW_FACTOR * limit), MIN_WINDOW)


def _ranked_candidates(origin: Origin, filters: Filters, rows: list[Any]) -> Window:
    """Candidates of KNN rows matching the filters and open at the asked time (or of
    unknown hours, with ``inclure_inconnus``), nearest first; the rows left out for unknown
    hours or for not receiving the public."""
    distances = geodesic_m(origin.points, [(r.lon, r.lat) for r in rows])
    out = Window()
    for row, distance_m in zip(rows, distances, strict=True):
        if not row.conforme:
            if row.reserve and filters.excludes_reserved:
                out.reserved.append((row.id, distance_m))
            continue  # otherwise its tags matched the filters (a hash), its values do not
        if filters.ouvert is not None:
            state = _open_state(row.horaires, filters.ouvert)
            if state == "inconnu" and not filters.inclure_inconnus:
                out.unknown.append(Unknown(row.id, distance_m, ("horaires",)))
            if state == "ferme" or (state == "inconnu" and not filters.inclure_inconnus):
                continue
        out.entries.append(Candidate(row.id, distance_m, row.code, approx=bool(row.approx)))
    codes = origin.codes
    out.entries.sort(key=lambda e: e.rank_key(codes))
    return out


def unknown_of_rows(origin: Origin, filters: Filters, rows: list[Any]) -> list[Unknown]:
    """The ``u`` rows of the first statement (search_sql.left_out_sql) as Unknown offers:
    what each lacks; an offer whose hours say it is closed then is left out for that, not
    for lack of information."""
    from mapdir.offers.search_sql import NO_HOURS_BIT, UNKNOWN_BITS

    rows = [r for r in rows if r.conforme]
    distances = geodesic_m(origin.points, [(r.lon, r.lat) for r in rows]) if rows else []
    out = []
    for row, distance_m in zip(rows, distances, strict=True):
        lacks = [name for name, bit in UNKNOWN_BITS.items() if row.rang & bit]
        if filters.ouvert is not None:
            state = _open_state(row.horaires, filters.ouvert)
            if state == "ferme":
                continue
            if state == "inconnu" or row.rang & NO_HOURS_BIT:
                lacks.append("horaires")
        if lacks:
            out.append(Unknown(row.id, distance_m, tuple(lacks)))
    return out


def _window_bound_m(origin: Origin, rows: list[Any], sphere: bool, lat_cap: float) -> float:
    """A lower bound of the geodesic distance of any offer outside the window ``rows``."""
    if sphere:  # spherical metres: within 0.6 % of the ellipsoidal distance
        return math.inf if rows[0].borne is None else SPHERE_TO_ELLIPSOID_MIN * rows[0].borne
    return exclusion_bound_m(origin, rows[-1].planar, lat_cap)


@lru_cache(maxsize=65_536)
def _open_state(expression: str | None, when: datetime | evaluate.Period) -> str:
    """evaluate.open_state, once per (expression, time) per process."""
    return evaluate.open_state(expression, when)


def nearest_offers(
    conn: Connection,
    origin: Origin,
    filters: Filters,
    limit: int,
    rows: list[Any] | None = None,
    lat_cap: float = 90.0,
    slots: list[int] | None = None,
) -> Window:
    """Nearest candidates, and the offers of the first window left out for unknown hours
    or for not receiving the public. ``rows``: the first (planar) window when the caller
    already has it;
    ``lat_cap``: no active offer lies beyond this latitude (north or south); ``slots``: the
    opening time's candidate tags when the caller has them already.

    Rounds widen the window until the answer is proven. When the planar window cannot prove
    it after a widening, or reaches beyond FAR_WINDOW_DEG (overseas, far from everything),
    the spherical walk takes over (search_sql.sphere_sql, its bound tight). With an opening
    time, every window holds only offers that may be open then (their half-hour slots,
    tested in the index)."""
    timed = filters.ouvert is not None
    window = first_window(limit)
    sphere = False
    params: dict[str, Any] = {"origin": origin.wkt}
    if timed:
        params["creneaux"] = slots if slots is not None else open_slots(filters)
    first: Window | None = None
    entries: list[Candidate] = []
    for round_ in range(MAX_ROUNDS):
        if rows is None:
            if sphere:
                sql = search_sql.sphere_sql(filters.without_time, window, timed)
            else:
                sql = search_sql.knn_sql(filters.without_time, window, timed)
            rows = search_sql.fetch(conn, sql, params)
        found = _ranked_candidates(origin, filters, rows)
        entries = found.entries
        first = first or found
        if len(rows) < window or window >= MAX_WINDOW:
            break  # table exhausted (or hard cap reached)
        if len(entries) >= limit:
            bound = _window_bound_m(origin, rows, sphere, lat_cap)
            if entries[limit - 1].proof_distance_m <= bound:
                break
        if not sphere and (round_ >= 1 or rows[-1].planar > FAR_WINDOW_DEG):
            sphere, window = True, first_window(limit)
            params = {**params, "origin3d": origin.wkt3d}
            del params["origin"]
        else:
            window = min(window * WIDENING, MAX_WINDOW)
        rows = None
    return Window(entries, first.unknown, first.reserved) if first else Window()
