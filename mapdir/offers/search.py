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
table is exhausted; the same widening makes up for candidates dropped by the opening-hours
filter. The table is never scanned in full.

Speed. Two round trips (``search_sql``): one statement resolves the origin and returns the
KNN window, the stops near the origin and the remote offers; a second fetches the chosen
offers whole. Widening rounds add one KNN statement each (rare).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from pyproj import Geod
from sqlalchemy.engine import Connection

from mapdir.errors import InvalidParameter, NotFound
from mapdir.geo.services import communes_by_postcode, validate_insee, validate_postcode
from mapdir.offers import hours_eval, search_sql
from mapdir.offers.filters import Filters
from mapdir.offers.offer_json import offer_json, open_at

GEOD = Geod(ellps="WGS84")  # the ellipsoid of PostGIS geography distances
MAX_ROUNDS = 6
MAX_WINDOW = 50_000
#: with an opening-time filter, candidates are looked for among this many nearest offers
MAX_WINDOW_OPEN = 20_000
PERMANENCE_RADIUS_M = 5_000
#: metres per degree, a lower bound over the WGS84 ellipsoid (meridian degree at the equator)
MIN_METRES_PER_DEGREE = 110_570.0

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

    @property
    def codes(self) -> set[str]:
        return {c["code"] for c in self.communes}

    @property
    def wkt(self) -> str:
        if len(self.points) == 1:
            lon, lat = self.points[0]
            return f"POINT({lon!r} {lat!r})"
        return "MULTIPOINT(" + ",".join(f"({lon!r} {lat!r})" for lon, lat in self.points) + ")"

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
    rows = sorted(rows, key=lambda r: r.planar)  # `planar` carries the rank here
    communes = [{"code": r.code, "nom": r.nom} for r in rows]
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


def _exclusion_bound_m(origin: Origin, planar_deg: float) -> float:
    """A lower bound of the geodesic distance of any offer at ``planar_deg`` degrees or more
    (planar) from the origin: degrees of longitude shrink with cos(latitude)."""
    max_lat = min(89.9, max(abs(lat) for _, lat in origin.points) + planar_deg)
    return 0.995 * MIN_METRES_PER_DEGREE * math.cos(math.radians(max_lat)) * planar_deg


def geodesic_m(
    origins: list[tuple[float, float]], points: list[tuple[float, float]]
) -> list[float]:
    """Distance in metres on the WGS84 ellipsoid from each point to the nearest origin."""
    if not points:
        return []
    lons = np.array([p[0] for p in points])
    lats = np.array([p[1] for p in points])
    best = np.full(len(points), np.inf)
    for lon0, lat0 in origins:
        _, _, dist = GEOD.inv(np.full_like(lons, lon0), np.full_like(lats, lat0), lons, lats)
        best = np.minimum(best, dist)
    return best.tolist()


def _rank_key(entry: dict[str, Any], codes: set[str]) -> tuple:
    return (round(entry["_distance_m"]), entry["_commune"] not in codes, entry["id"])


def _ranked_candidates(
    origin: Origin, filters: Filters, rows: list[Any], states: dict[str | None, str]
) -> tuple[list[dict[str, Any]], int]:
    """Entries (with ``_distance_m``) of KNN rows open at the asked time, nearest first, and
    how many had unknown hours. ``states`` caches one evaluation per hours expression."""
    distances = geodesic_m(origin.points, [(r.lon, r.lat) for r in rows])
    entries, unknown_hours = [], 0
    for row, distance_m in zip(rows, distances, strict=True):
        if filters.ouvert is not None:
            state = states.get(row.horaires)
            if state is None:
                state = states[row.horaires] = hours_eval.open_state(row.horaires, filters.ouvert)
            unknown_hours += state == "inconnu"
            if state != "ouvert":
                continue
        entries.append({"id": row.id, "_distance_m": distance_m, "_commune": row.code})
    codes = origin.codes
    entries.sort(key=lambda e: _rank_key(e, codes))
    return entries, unknown_hours


def _nearest_offers(
    conn: Connection, origin: Origin, filters: Filters, limit: int, rows: list[Any] | None = None
) -> tuple[list[dict[str, Any]], int]:
    """Nearest entries (with ``_distance_m``) and how many candidates had unknown hours.
    ``rows``: the first window when the caller already has it (its size is the window)."""
    window = max(3 * limit, 60)
    max_window = MAX_WINDOW if filters.ouvert is None else MAX_WINDOW_OPEN
    sql, params = search_sql.knn_sql(filters)
    states: dict[str | None, str] = {}
    for _round in range(MAX_ROUNDS):
        if rows is None:
            found = search_sql.fetch(conn, sql, {**params, "origin": origin.wkt, "window": window})
            rows = found
        entries, unknown_hours = _ranked_candidates(origin, filters, rows, states)
        if len(rows) < window or window >= max_window:
            break  # table exhausted (or hard cap reached)
        bound = _exclusion_bound_m(origin, rows[-1].planar)
        if len(entries) >= limit and entries[limit - 1]["_distance_m"] <= bound:
            break
        window, rows = min(window * 4, max_window), None
    return entries, unknown_hours


def _stop_entries(origin: Origin, rows: list[Any], start: datetime) -> dict[int, dict[str, Any]]:
    """Entries of the offers (survivors of merges, matching the filters) whose active stops
    are in an origin commune or within 5 km, with their next passages."""
    located = [r for r in rows if r.lon is not None]
    distance_of = dict(
        zip(
            [r.id for r in located],
            geodesic_m(origin.points, [(r.lon, r.lat) for r in located]),
            strict=True,
        )
    )
    entries: dict[int, dict[str, Any]] = {}
    near = [
        r
        for r in rows
        if r.code in origin.codes or distance_of.get(r.id, math.inf) <= PERMANENCE_RADIUS_M
    ]
    for stop in sorted(near, key=lambda s: distance_of.get(s.id, math.inf)):
        entry = entries.setdefault(
            stop.offre_id,
            {"id": stop.offre_id, "_distance_m": distance_of.get(stop.id, 0.0),
             "_commune": stop.code, "_passages": []},
        )  # fmt: skip
        for slot in hours_eval.passages(stop.horaires, start):
            slot.update({"permanence_id": stop.id, "code_insee": stop.code,
                         "commune": stop.nom, "lieu": stop.lieu})  # fmt: skip
            entry["_passages"].append(slot)
    for entry in entries.values():
        entry["_passages"].sort(key=lambda s: s["debut"])
    return entries


def search_offers(
    conn: Connection,
    req: SearchRequest,
    *,
    detour_factor: float = 1.3,
    speed_kmh: float = 50.0,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The search answer: ``origine``, ``resultats`` (N nearest, with distance_km,
    duree_estimee_min, prochains_passages) and ``a_distance`` (remote offers, no distance)."""
    now = now or hours_eval.local_now()
    filters, limit = req.filters, req.limite
    mode, origin_params = _origin_params(conn, req)
    window = max(3 * limit, 60)
    sql, params = search_sql.candidates_sql(filters, mode)
    rows = search_sql.fetch(
        conn,
        sql,
        {
            **params,
            **origin_params,
            "window": window,
            "radius_m": PERMANENCE_RADIUS_M,
            "remote_limit": 5 * limit,
        },
    )
    by_kind: dict[str, list[Any]] = {"o": [], "k": [], "p": [], "r": []}
    for row in rows:
        by_kind[row.kind].append(row)
    origin = _origin(mode, origin_params, by_kind["o"])
    entries, unknown_hours = _nearest_offers(conn, origin, filters, limit, by_kind["k"])
    by_id = {e["id"]: e for e in entries}
    stops = [s for s in by_kind["p"] if open_at(s.horaires, filters.ouvert)]
    for offer_id, stop_entry in _stop_entries(origin, stops, filters.ouvert or now).items():
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
    remote_ids = [r.id for r in by_kind["r"] if open_at(r.horaires, filters.ouvert)][:limit]
    full = search_sql.full_rows(conn, [e["id"] for e in ranked] + remote_ids)
    results = []
    for entry in ranked:
        out = offer_json(full[entry["id"]], now.date())
        km = entry["_distance_m"] / 1000.0
        out["distance_km"] = round(km, 2)
        out["duree_estimee_min"] = round(km * detour_factor / speed_kmh * 60)
        out["distance_depuis"] = "permanence" if entry.get("_via_permanence") else "lieu"
        out["dans_commune_origine"] = entry["_commune"] in origin.codes
        out["prochains_passages"] = entry.get("_passages", [])
        if filters.ouvert is not None:
            out["ouvert_a_l_heure_demandee"] = True
        results.append(out)
    notes = []
    if filters.ouvert is not None and unknown_hours:
        notes.append(
            f"{unknown_hours} offre(s) proche(s) sans horaires exploitables ont été écartées "
            "par le filtre « ouvert » (horaires inconnus)."
        )
    return {
        "origine": origin.as_json(),
        "parametres": {
            "limite": limit,
            "ouvert": filters.ouvert.isoformat(timespec="minutes") if filters.ouvert else None,
        },
        "nombre": len(results),
        "resultats": results,
        "a_distance": [offer_json(full[i], now.date()) for i in remote_ids],
        "avertissements": notes,
    }
