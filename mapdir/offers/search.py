"""Prescribers' search: the N nearest active offers matching filters, from a postcode, a
commune or a point, with itinerant stops' next dates and remote offers apart.

Origin. A point (lat/lon) is used as is; a commune (INSEE code) searches from its centre;
a postcode without a chosen commune searches from *all* its communes' centres at once:
the distance of an offer is the distance to the nearest of those centres (a MultiPoint
origin), so that no commune of the postcode is disadvantaged by a centroid lying between
them. Offers located in an origin commune come first at equal distance (metre precision).

Ranking. A KNN index scan (``ORDER BY point <-> origin`` on the partial GiST index, LIMIT a
window larger than N) yields candidates; the exact geodesic distance re-ranks them. Since the
planar order in degrees differs from the geodesic one, the window is widened (bounded loop)
until the N-th result is provably nearer than any row outside the window, or until the
table is exhausted; far from everything (overseas), a walk in spherical order takes over.
Filters and the opening time are tested on the index entries (tags: the filters' values
and the half-hour slots in which the offer may be open, mapdir.hours.time_slots); the
exact conditions and the exact opening-hours evaluation then decide. The table is never
scanned in full.

Speed. Mostly one round trip (``search_sql``): one statement resolves the origin and
returns the KNN window, the stops near the origin and the remote offers, the nearest of
the window and the first remote offers with their whole rows; a second statement fetches
the chosen offers that did not ride along, when there are some. Widening rounds add one
KNN statement each (rare).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, lru_cache
from operator import attrgetter
from typing import Any

import numpy as np
from sqlalchemy.engine import Connection

from mapdir.errors import InvalidParameter, NotFound
from mapdir.geo.geodesy import EARTH_RADIUS_M, geodesic_m
from mapdir.geo.services import communes_by_postcode, validate_insee, validate_postcode
from mapdir.geo.travel import DEFAULT_DETOUR_FACTOR, DEFAULT_SPEED_KMH, drive_minutes
from mapdir.hours import evaluate, open_time
from mapdir.hours.time_slots import candidate_tags
from mapdir.offers import search_sql
from mapdir.offers.filters import Filters
from mapdir.offers.offer_json import offer_json, open_at

MAX_ROUNDS = 6
#: the first KNN window: this many times N, at least MIN_WINDOW offers. With an opening
#: time too: the window then holds offers whose half-hour slots say they may be open (the
#: index's tags), of which the exact evaluation drops few (a holiday, a 10:15 opening for
#: 10:00); 3N did less well (same process, two runs: p50 +9 % and +14 %)
WINDOW_FACTOR = 2
MIN_WINDOW = 40
#: the window's nearest offers (planar order), this many times N, carry their whole row in
#: the first statement: they hold the answer in most searches (the planar order of degrees
#: differs from the ellipsoid's near the N-th, an opening-time filter drops some), so that
#: the second statement is needed for the few missing rows only (measured on 100,000
#: offers: 12 % of searches instead of 88 %; p50 −14 %, p95 −12 %)
PREFETCH_FACTOR = 1.5
#: a window that could not prove the answer grows this many times
WIDENING = 2
#: a first window reaching this far (degrees) means the answer lies in other regions
#: (overseas): the spherical walk takes over at once, where widening the planar window
#: would not prove it (measured from Réunion: two planar rounds of 1-2.5 ms each saved)
FAR_WINDOW_DEG = 3.0
MAX_WINDOW = 50_000
PERMANENCE_RADIUS_M = 5_000
#: ellipsoidal (WGS84) / spherical (mean radius, search_sql.sphere_sql) distance, a lower bound
SPHERE_TO_ELLIPSOID_MIN = 0.994
BOUND_GRID = 32
#: the grid's steps on [0, 1] (np.linspace costs more than the bound itself)
_UNIT_GRID = np.linspace(0.0, 1.0, BOUND_GRID + 1)
#: every French territory holding offers lies within this latitude (checked, not assumed)
LAT_CAP = 52.0

__all__ = ["Filters", "Origin", "SearchRequest", "search_offers"]


@dataclass(frozen=True)
class SearchRequest:
    code_postal: str | None = None
    code_commune: str | None = None
    lat: float | None = None
    lon: float | None = None
    filters: Filters = field(default_factory=Filters)
    limite: int = 20


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
        }


def _origin_params(conn: Connection, req: SearchRequest) -> tuple[str, dict[str, Any]]:
    """The origin mode and its parameters, validated (the postcode/commune pair checked)."""
    if req.lat is not None and req.lon is not None:
        return "point", {"lon": float(req.lon), "lat": float(req.lat)}
    if req.code_commune:
        code = validate_insee(req.code_commune)
        if req.code_postal:
            wanted = {c["code"] for c in communes_by_postcode(conn, req.code_postal)}
            if code not in wanted:
                raise InvalidParameter(
                    f"La commune {code} ne porte pas le code postal {req.code_postal}.",
                    parametre="code_commune",
                )
        return "commune", {"code_commune": code}
    return "code_postal", {"code_postal": validate_postcode(req.code_postal)}


def _origin(mode: str, params: dict[str, Any], rows: list[Any]) -> Origin:
    """The Origin from the statement's ``o`` rows; NotFound when there is none."""
    rows = sorted(rows, key=lambda r: r.rang)
    communes = [{"code": r.code, "nom": r.commune} for r in rows]
    if mode == "point":
        return Origin([(params["lon"], params["lat"])], communes, "point")
    if not rows and mode == "commune":
        code = params["code_commune"]
        raise NotFound(f"Aucune commune n'a le code {code}.", parametre="code_commune")
    if not rows:
        raise NotFound(
            f"Aucune commune localisée pour le code postal {params['code_postal']}.",
            parametre="code_postal",
        )
    return Origin([(r.lon, r.lat) for r in rows], communes, mode)


def _exclusion_bound_m(origin: Origin, planar_deg: float, lat_cap: float = 90.0) -> float:
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


def first_window(limit: int) -> int:
    """Size of the first KNN window for N results."""
    return max(round(WINDOW_FACTOR * limit), MIN_WINDOW)


def _rank_key(entry: dict[str, Any], codes: set[str]) -> tuple:
    return (round(entry["_distance_m"]), entry["_commune"] not in codes, entry["id"])


def _ranked_candidates(
    origin: Origin, filters: Filters, rows: list[Any]
) -> tuple[list[dict[str, Any]], int]:
    """Entries (with ``_distance_m``) of KNN rows matching the filters and open at the asked
    time, nearest first, and how many had unknown hours."""
    distances = geodesic_m(origin.points, [(r.lon, r.lat) for r in rows])
    entries, unknown_hours = [], 0
    for row, distance_m in zip(rows, distances, strict=True):
        if not row.conforme:
            continue  # its tags matched the filters (a hash), its values do not
        if filters.ouvert is not None:
            state = _open_state(row.horaires, filters.ouvert)
            unknown_hours += state == "inconnu"
            if state != "ouvert":
                continue
        entries.append({"id": row.id, "_distance_m": distance_m, "_commune": row.code})
    codes = origin.codes
    entries.sort(key=lambda e: _rank_key(e, codes))
    return entries, unknown_hours


def _window_bound_m(origin: Origin, rows: list[Any], sphere: bool, lat_cap: float) -> float:
    """A lower bound of the geodesic distance of any offer outside the window ``rows``."""
    if sphere:  # spherical metres: within 0.6 % of the ellipsoidal distance
        return math.inf if rows[0].borne is None else SPHERE_TO_ELLIPSOID_MIN * rows[0].borne
    return _exclusion_bound_m(origin, rows[-1].planar, lat_cap)


@lru_cache(maxsize=65_536)
def _open_state(expression: str | None, when: datetime | evaluate.Period) -> str:
    """evaluate.open_state, once per (expression, time) per process."""
    return evaluate.open_state(expression, when)


def _nearest_offers(
    conn: Connection,
    origin: Origin,
    filters: Filters,
    limit: int,
    rows: list[Any] | None = None,
    lat_cap: float = 90.0,
    slots: list[int] | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Nearest entries (with ``_distance_m``) and how many candidates of the first window
    had unknown hours. ``rows``: the first (planar) window when the caller already has it;
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
        params["creneaux"] = slots if slots is not None else candidate_tags(filters.ouvert)
    unknown_first: int | None = None
    entries: list[dict[str, Any]] = []
    for round_ in range(MAX_ROUNDS):
        if rows is None:
            if sphere:
                sql = search_sql.sphere_sql(filters.without_time, window, timed)
            else:
                sql = search_sql.knn_sql(filters.without_time, window, timed)
            rows = search_sql.fetch(conn, sql, params)
        entries, unknown_hours = _ranked_candidates(origin, filters, rows)
        if unknown_first is None:
            unknown_first = unknown_hours
        if len(rows) < window or window >= MAX_WINDOW:
            break  # table exhausted (or hard cap reached)
        if len(entries) >= limit:
            bound = _window_bound_m(origin, rows, sphere, lat_cap)
            if entries[limit - 1]["_distance_m"] <= bound:
                break
        if not sphere and (round_ >= 1 or rows[-1].planar > FAR_WINDOW_DEG):
            sphere, window = True, first_window(limit)
            params = {**params, "origin3d": origin.wkt3d}
            del params["origin"]
        else:
            window = min(window * WIDENING, MAX_WINDOW)
        rows = None
    return entries, unknown_first or 0


def _stop_entries(origin: Origin, rows: list[Any], start: datetime) -> dict[int, dict[str, Any]]:
    """Entries of the offers (survivors of merges, matching the filters) whose active stops
    are in an origin commune or within 5 km, with their next passages: the nearest stop's
    first (its distance is the entry's; in an origin commune first at equal distance), then
    the other stops', each stop's by date."""
    located = [r for r in rows if r.lon is not None]
    distance_of = dict(
        zip(
            [r.id for r in located],
            geodesic_m(origin.points, [(r.lon, r.lat) for r in located]),
            strict=True,
        )
    )
    codes = origin.codes

    def stop_distance(stop: Any) -> float:
        # a stop placed nowhere (its commune has no point) in an origin commune is there
        return distance_of.get(stop.id, 0.0 if stop.code in codes else math.inf)

    near = [r for r in rows if r.code in codes or stop_distance(r) <= PERMANENCE_RADIUS_M]
    near.sort(key=lambda s: (round(stop_distance(s)), s.code not in codes, s.id))
    entries: dict[int, dict[str, Any]] = {}
    for stop in near:
        distance_m = stop_distance(stop)
        entry = entries.setdefault(
            stop.offre_id,
            {"id": stop.offre_id, "_distance_m": distance_m, "_commune": stop.code,
             "_passages": []},
        )  # fmt: skip
        for slot in evaluate.passages(stop.horaires, start):
            slot.update({"permanence_id": stop.id, "code_insee": stop.code,
                         "commune": stop.commune, "lieu": stop.lieu,
                         "distance_km": round(distance_m / 1000.0, 2)})  # fmt: skip
            entry["_passages"].append(slot)
    return entries


def _whole_rows(conn: Connection, by_kind: dict[str, list[Any]], ids: list[int]) -> dict[int, Any]:
    """{id: row with the offer's columns} of ``ids``: those that rode along with the first
    statement, the others fetched (one more statement, only when some are missing)."""
    carried = {r.id: r for kind in ("k", "r") for r in by_kind[kind] if r.complet}
    missing = [i for i in ids if i not in carried]
    if missing:
        carried.update(search_sql.full_rows(conn, missing))
    return carried


def search_offers(
    conn: Connection,
    req: SearchRequest,
    *,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
    speed_kmh: float = DEFAULT_SPEED_KMH,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The search answer: ``origine``, ``resultats`` (N nearest, with distance_km,
    duree_estimee_min, prochains_passages) and ``a_distance`` (remote offers, no distance)."""
    now = now or evaluate.local_now()
    filters, limit = req.filters, req.limite
    timed = filters.ouvert is not None
    mode, origin_params = _origin_params(conn, req)
    sql = search_sql.candidates_sql(
        filters.without_time,
        mode,
        first_window(limit),
        PERMANENCE_RADIUS_M,
        5 * limit,
        LAT_CAP,
        round(PREFETCH_FACTOR * limit),
        limit if timed else 0,
    )
    if timed:
        origin_params = {**origin_params, "creneaux": candidate_tags(filters.ouvert)}
    rows = search_sql.fetch(conn, sql, origin_params)
    by_kind: dict[str, list[Any]] = {"o": [], "k": [], "p": [], "r": [], "i": []}
    for row in rows:
        by_kind[row.kind].append(row)
    origin = _origin(mode, origin_params, by_kind["o"])
    # the tighter bound holds when no active offer lies beyond LAT_CAP (checked, not assumed)
    beyond = not by_kind["o"] or by_kind["o"][0].beyond
    lat_cap = 90.0 if beyond else LAT_CAP
    window_rows = sorted(by_kind["k"], key=attrgetter("planar"))  # the union mixes the order
    entries, unknown_hours = _nearest_offers(
        conn, origin, filters, limit, window_rows, lat_cap, origin_params.get("creneaux")
    )
    unknown_hours += sum(r.rang for r in by_kind["i"])  # nearby offers without hours
    by_id = {e["id"]: e for e in entries}
    stops = [s for s in by_kind["p"] if open_at(s.horaires, filters.ouvert)]
    start = evaluate.start_of(filters.ouvert) if timed else now
    for offer_id, stop_entry in _stop_entries(origin, stops, start).items():
        entry = by_id.get(offer_id)
        if entry is None:
            by_id[offer_id] = stop_entry
            stop_entry["_via_permanence"] = True
        else:
            entry["_passages"] = stop_entry["_passages"]
            if stop_entry["_distance_m"] < entry["_distance_m"]:
                entry.update(_distance_m=stop_entry["_distance_m"], _via_permanence=True)
                entry["_commune"] = stop_entry["_commune"]
    codes = origin.codes
    ranked = sorted(by_id.values(), key=lambda e: _rank_key(e, codes))[:limit]
    remote = sorted(by_kind["r"], key=attrgetter("rang"))  # the union mixes the order
    remote_ids = [r.id for r in remote if open_at(r.horaires, filters.ouvert)][:limit]
    full = _whole_rows(conn, by_kind, [e["id"] for e in ranked] + remote_ids)
    results = []
    for entry in ranked:
        out = offer_json(full[entry["id"]], now.date())
        out["distance_km"] = round(entry["_distance_m"] / 1000.0, 2)
        out["duree_estimee_min"] = round(
            drive_minutes(entry["_distance_m"], detour_factor, speed_kmh)
        )
        out["distance_depuis"] = "permanence" if entry.get("_via_permanence") else "lieu"
        out["dans_commune_origine"] = entry["_commune"] in origin.codes
        out["prochains_passages"] = entry.get("_passages", [])
        if timed:
            out["ouvert_a_l_heure_demandee"] = True
        results.append(out)
    notes = []
    if timed and unknown_hours:
        count = f"Au moins {limit}" if unknown_hours >= limit else str(unknown_hours)
        notes.append(
            f"{count} offre(s) proche(s) sans horaires exploitables ont été écartées "
            "par le filtre « ouvert » (horaires inconnus)."
        )
    return {
        "origine": origin.as_json(),
        "parametres": {
            "limite": limit,
            "ouvert": open_time.as_iso(filters.ouvert) if timed else None,
            "ouvert_libelle": open_time.describe(filters.ouvert) if timed else None,
        },
        "nombre": len(results),
        "resultats": results,
        "a_distance": [offer_json(full[i], now.date()) for i in remote_ids],
        "avertissements": notes,
    }
