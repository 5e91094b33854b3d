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
from operator import attrgetter
from typing import Any

from sqlalchemy.engine import Connection

from mapdir.errors import InvalidParameter, NotFound
from mapdir.geo.geodesy import geodesic_m
from mapdir.geo.services import communes_by_postcode, validate_insee, validate_postcode
from mapdir.geo.travel import (
    DEFAULT_DETOUR_FACTOR,
    DEFAULT_SPEED_KMH,
    SANS_VOITURE,
    TravelMode,
    drive_minutes,
)
from mapdir.hours import evaluate, open_time
from mapdir.offers import search_sql
from mapdir.offers.filters import Filters
from mapdir.offers.left_out import left_out_summary, missing_information
from mapdir.offers.nearest import (
    Candidate,
    Origin,
    first_window,
    nearest_offers,
    open_slots,
    unknown_of_rows,
)
from mapdir.offers.offer_json import offer_json, open_at
from mapdir.offers.type_offre import offer_types

#: the window's nearest offers (planar order), this many times N, carry their whole row in
#: the first statement: they hold the answer in most searches, so the second statement
#: fetches only the few missing rows
PREFETCH_FACTOR = 1.5
PERMANENCE_RADIUS_M = 5_000
#: every French territory holding offers lies within this latitude (checked, not assumed)
LAT_CAP = 52.0
#: walking (mapdir.geo.travel's ``sans_voiture`` mode) with its default settings
DEFAULT_WALK = TravelMode(SANS_VOITURE, 1.3, 4.5, 30.0)

__all__ = ["Filters", "SearchRequest", "search_offers"]


@dataclass(frozen=True)
class SearchRequest:
    code_postal: str | None = None
    code_commune: str | None = None
    lat: float | None = None
    lon: float | None = None
    filters: Filters = field(default_factory=Filters)
    limite: int = 20
    #: without a car: ranked by walking time, places beyond walking reach left out
    sans_voiture: bool = False


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


def _stop_entries(origin: Origin, rows: list[Any], start: datetime) -> dict[int, Candidate]:
    """Candidates of the offers (survivors of merges, matching the filters) whose active stops
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
    entries: dict[int, Candidate] = {}
    for stop in near:
        distance_m = stop_distance(stop)
        entry = entries.setdefault(
            stop.offre_id, Candidate(stop.offre_id, distance_m, stop.code, via_permanence=True)
        )
        for slot in evaluate.passages(stop.horaires, start):
            slot.update({"permanence_id": stop.id, "code_insee": stop.code,
                         "commune": stop.commune, "lieu": stop.lieu,
                         "distance_km": round(distance_m / 1000.0, 2)})  # fmt: skip
            entry.passages.append(slot)
    return entries


def _whole_rows(conn: Connection, first: search_sql.FirstRows, ids: list[int]) -> dict[int, Any]:
    """{id: row with the offer's columns} of ``ids``: those that rode along with the first
    statement, the others fetched (one more statement, only when some are missing)."""
    carried = {r.id: r for r in first.window + first.remote if r.complet}
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
    walk: TravelMode = DEFAULT_WALK,
) -> dict[str, Any]:
    """The search answer: ``origine``, ``resultats`` (N nearest, with distance_km,
    duree_estimee_min, duree_a_pied_min within walking reach, prochains_passages),
    ``a_distance`` (remote offers, no distance) and ``ecartes`` (nearer offers left out for
    lack of information, or for not receiving the public)."""
    now = now or evaluate.local_now()
    filters, limit = req.filters, req.limite
    timed = filters.ouvert is not None
    mode, origin_params = _origin_params(conn, req)
    counts_unknown = (timed or filters.unknowable) and not filters.inclure_inconnus
    sql = search_sql.candidates_sql(
        filters.without_time,
        mode,
        first_window(limit),
        PERMANENCE_RADIUS_M,
        5 * limit,
        LAT_CAP,
        round(PREFETCH_FACTOR * limit),
        limit if timed else 0,
        limit if counts_unknown else 0,
    )
    if timed:
        origin_params = {**origin_params, "creneaux": open_slots(filters)}
    first = search_sql.FirstRows.split(search_sql.fetch(conn, sql, origin_params))
    origin = _origin(mode, origin_params, first.origin)
    # the tighter bound holds when no active offer lies beyond LAT_CAP (checked, not assumed)
    beyond = not first.origin or first.origin[0].beyond
    lat_cap = 90.0 if beyond else LAT_CAP
    window_rows = sorted(first.window, key=attrgetter("planar"))  # the union mixes the order
    window = nearest_offers(
        conn, origin, filters, limit, window_rows, lat_cap, origin_params.get("creneaux")
    )
    unknown = window.unknown + unknown_of_rows(origin, filters, first.left_out)
    by_id = {e.id: e for e in window.entries}
    stops = [s for s in first.stops if open_at(s.horaires, filters.ouvert)]
    start = evaluate.start_of(filters.ouvert) if timed else now
    for offer_id, stop_entry in _stop_entries(origin, stops, start).items():
        entry = by_id.get(offer_id)
        if entry is None:
            by_id[offer_id] = stop_entry
        else:
            entry.passages = stop_entry.passages
            if stop_entry.distance_m < entry.distance_m:
                entry.distance_m, entry.via_permanence = stop_entry.distance_m, True
                entry.commune = stop_entry.commune
    codes = origin.codes
    ranked = sorted(by_id.values(), key=lambda e: e.rank_key(codes))
    reach_m = walk.metres(walk.threshold_min)
    beyond_walk = 0
    if req.sans_voiture:  # the same order (walking time grows with distance), within reach
        beyond_walk = sum(e.distance_m > reach_m for e in ranked[:limit])
        ranked = [e for e in ranked if e.distance_m <= reach_m]
    ranked = ranked[:limit]
    remote = sorted(first.remote, key=attrgetter("rang"))  # the union mixes the order
    remote_ids = [r.id for r in remote if open_at(r.horaires, filters.ouvert)][:limit]
    full = _whole_rows(conn, first, [e.id for e in ranked] + remote_ids)
    results = []
    for entry in ranked:
        out = offer_json(full[entry.id], now.date())
        out["distance_km"] = round(entry.distance_m / 1000.0, 2)
        out["duree_estimee_min"] = round(drive_minutes(entry.distance_m, detour_factor, speed_kmh))
        # placed at its commune's centre: the distance is the commune's, not the place's
        approx = entry.approx and not entry.via_permanence
        out["position_approximative"] = approx
        walking = walk.minutes(entry.distance_m)
        on_foot = walking <= walk.threshold_min and not approx
        out["duree_a_pied_min"] = round(walking) if on_foot else None
        out["distance_depuis"] = "permanence" if entry.via_permanence else "lieu"
        out["dans_commune_origine"] = entry.commune in origin.codes
        out["prochains_passages"] = entry.passages
        if timed:
            out["ouvert_a_l_heure_demandee"] = True
        if filters.type_offre:
            out["types_offre"] = offer_types(out)
        out["informations_manquantes"] = missing_information(out, filters)
        results.append(out)
    cutoff = ranked[-1].distance_m if len(ranked) >= limit else math.inf
    shown = {e.id for e in ranked}
    ecartes, notes = left_out_summary(unknown, window.reserved, cutoff, shown, limit)
    if req.sans_voiture:
        ecartes["au_dela_de_la_marche"] = beyond_walk
        if beyond_walk:
            notes.append(
                f"{beyond_walk} lieu(x) à plus de {walk.threshold_min:g} min à pied "
                "ne sont pas proposés (recherche sans voiture)."
            )
    return {
        "origine": origin.as_json(),
        "parametres": {
            "limite": limit,
            "ouvert": open_time.as_iso(filters.ouvert) if timed else None,
            "ouvert_libelle": open_time.describe(filters.ouvert) if timed else None,
            "inclure_inconnus": filters.inclure_inconnus,
            "sans_voiture": req.sans_voiture,
            "marche_max_min": walk.threshold_min,
        },
        "nombre": len(results),
        "resultats": results,
        "a_distance": [offer_json(full[i], now.date()) for i in remote_ids],
        "ecartes": ecartes,
        "avertissements": notes,
    }
