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
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
from pyproj import Geod
from sqlalchemy import text
from sqlalchemy.engine import Connection, Row

from mapdir.errors import InvalidParameter, NotFound
from mapdir.geo.services import communes_by_postcode, validate_insee, validate_postcode
from mapdir.offers import hours_eval

REMOTE = "À distance"
GEOD = Geod(ellps="WGS84")  # the ellipsoid of PostGIS geography distances
MAX_ROUNDS = 6
MAX_WINDOW = 50_000
#: with an opening-time filter, candidates are looked for among this many nearest offers
MAX_WINDOW_OPEN = 20_000
PERMANENCE_RADIUS_M = 5_000
#: metres per degree, a lower bound over the WGS84 ellipsoid (meridian degree at the equator)
MIN_METRES_PER_DEGREE = 110_570.0

OFFER_COLUMNS = """
    o.id, o.nom, o.adresse, o.complement_adresse, o.code_postal, o.commune_nom, o.code_insee,
    ST_X(o.point) AS lon, ST_Y(o.point) AS lat, o.geo_precision, o.telephones, o.courriels,
    o.sites_web, o.horaires, o.horaires_texte, o.services, o.publics, o.prise_en_charge,
    o.frais, o.modalites_acces, o.modalites_accompagnement, o.programmes, o.itinerance,
    o.typologie, o.prise_rdv_url, o.presentation_resume, o.date_maj, o.confirmed_at, o.statut,
    o.acceslibre_url, o.prise_rdv
"""
LIST_OUTPUT = (
    "typologie",
    "services",
    "publics",
    "prise_en_charge",
    "frais",
    "modalites_acces",
    "modalites_accompagnement",
    "programmes",
    "itinerance",
    "telephones",
    "courriels",
    "sites_web",
)


@dataclass(frozen=True)
class Filters:
    """Filter values already mapped to stored values: slugs for services, labels otherwise.

    Within one filter any listed value matches (overlap); different filters all apply.
    """

    services: tuple[str, ...] = ()
    publics: tuple[str, ...] = ()
    prise_en_charge: tuple[str, ...] = ()
    gratuit: bool = False
    modalites_accompagnement: tuple[str, ...] = ()
    modalites_acces: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    ouvert: datetime | None = None

    def where_sql(self) -> tuple[str, dict[str, Any]]:
        """SQL conditions on ``offre o`` (index-friendly array operators) and their params."""
        clauses, params = [], {}
        for name, column in (
            ("services", "services"),
            ("publics", "publics"),
            ("prise_en_charge", "prise_en_charge"),
            ("modalites_accompagnement", "modalites_accompagnement"),
            ("modalites_acces", "modalites_acces"),
            ("programmes", "programmes"),
        ):
            values = getattr(self, name)
            if values:
                clauses.append(f"o.{column} && CAST(:f_{name} AS text[])")
                params[f"f_{name}"] = list(values)
        if self.gratuit:
            clauses.append("o.frais @> ARRAY['Gratuit']::text[]")
        return (" AND ".join(clauses) or "TRUE"), params


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


def resolve_origin(conn: Connection, req: SearchRequest) -> Origin:
    """The origin of a search; raises NotFound for an unknown postcode or commune."""
    if req.lat is not None and req.lon is not None:
        row = conn.execute(
            text(
                """
                SELECT code, nom FROM (
                    (SELECT code, nom, 0 AS rang FROM commune
                     WHERE geom IS NOT NULL AND type <> 'arrondissement-municipal'
                       AND ST_Intersects(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
                     LIMIT 1)
                    UNION ALL
                    (SELECT code, nom, 1 FROM commune WHERE point IS NOT NULL
                     ORDER BY point <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) LIMIT 1)
                ) c ORDER BY rang LIMIT 1
                """
            ),
            {"lon": req.lon, "lat": req.lat},
        ).one_or_none()
        communes = [{"code": row.code, "nom": row.nom}] if row else []
        return Origin([(req.lon, req.lat)], communes, "point")
    if req.code_commune:
        code = validate_insee(req.code_commune)
        if req.code_postal:
            wanted = {c["code"] for c in communes_by_postcode(conn, req.code_postal)}
            if code not in wanted:
                raise InvalidParameter(
                    f"La commune {code} ne porte pas le code postal {req.code_postal}.",
                    parametre="code_commune",
                )
        row = conn.execute(
            text(
                """
                SELECT c.code, c.nom, ST_X(c.point) AS lon, ST_Y(c.point) AS lat FROM commune c
                WHERE c.point IS NOT NULL AND c.code = COALESCE(
                    (SELECT code_actuel FROM commune_code_ancien WHERE code_ancien = :code),
                    :code)
                """
            ),
            {"code": code},
        ).one_or_none()
        if row is None:
            raise NotFound(f"Aucune commune n'a le code {code}.", parametre="code_commune")
        return Origin([(row.lon, row.lat)], [{"code": row.code, "nom": row.nom}], "commune")
    communes = communes_by_postcode(conn, validate_postcode(req.code_postal))
    # Marseille/Lyon/Paris: the arrondissements are the precise answer, drop the whole city
    parents = {c.get("commune_parente") for c in communes}
    communes = [c for c in communes if c["point"] and c["code"] not in parents]
    if not communes:
        raise NotFound(
            f"Aucune commune localisée pour le code postal {req.code_postal}.",
            parametre="code_postal",
        )
    points = [tuple(c["point"]["coordinates"]) for c in communes]
    light = [{"code": c["code"], "nom": c["nom"]} for c in communes]
    return Origin(points, light, "code_postal")


def freshness(row: Any, today: date) -> dict[str, Any]:
    """date_maj and a status from the later of date_maj / confirmed_at (6 and 12 months)."""
    dates = [d for d in (row.date_maj, row.confirmed_at and row.confirmed_at.date()) if d]
    reference = max(dates) if dates else None
    if reference is None:
        status = "a_verifier"
    elif reference < _shift_months(today, -12):
        status = "obsolete"
    elif reference < _shift_months(today, -6):
        status = "a_verifier"
    else:
        status = "a_jour"
    return {
        "date_maj": row.date_maj.isoformat() if row.date_maj else None,
        "confirmee_le": row.confirmed_at.date().isoformat() if row.confirmed_at else None,
        "statut": status,
    }


def _shift_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def offer_json(row: Any, today: date) -> dict[str, Any]:
    """The public fields of one offer row selected with OFFER_COLUMNS."""
    out: dict[str, Any] = {
        "id": row.id,
        "nom": row.nom,
        "adresse": row.adresse,
        "complement_adresse": row.complement_adresse,
        "code_postal": row.code_postal,
        "commune_nom": row.commune_nom,
        "code_insee": row.code_insee,
        "point": None
        if row.lon is None
        else {"type": "Point", "coordinates": [round(row.lon, 6), round(row.lat, 6)]},
        "precision_geo": row.geo_precision,
        "horaires": row.horaires,
        "horaires_texte": row.horaires_texte,
        "prise_rdv_url": row.prise_rdv_url,
        "prise_rdv": row.prise_rdv,
        "acceslibre_url": row.acceslibre_url,
        "presentation_resume": row.presentation_resume,
    }
    for name in LIST_OUTPUT:
        out[name] = list(getattr(row, name) or [])
    out["fraicheur"] = freshness(row, today)
    return out


def _exclusion_bound_m(origin: Origin, planar_deg: float) -> float:
    """A lower bound of the geodesic distance of any offer at ``planar_deg`` degrees or more
    (planar) from the origin: degrees of longitude shrink with cos(latitude)."""
    max_lat = min(89.9, max(abs(lat) for _, lat in origin.points) + planar_deg)
    return 0.995 * MIN_METRES_PER_DEGREE * math.cos(math.radians(max_lat)) * planar_deg


def knn_sql(filters: Filters) -> tuple[str, dict[str, Any]]:
    """The candidate query (params ``origin`` WKT and ``window`` to add): a KNN scan of the
    partial GiST index on active offers. Candidates are narrow rows (id, commune, hours,
    lon/lat): their exact geodesic distance is computed in Python (``geodesic_m``, WGS84 like
    PostGIS' geography), and the chosen ones are fetched whole."""
    where, params = filters.where_sql()
    sql = f"""
        SELECT c.* FROM (
            SELECT o.id, o.code_insee, o.horaires, ST_X(o.point) AS lon, ST_Y(o.point) AS lat,
                   o.point <-> ST_GeomFromText(:origin, 4326) AS planar
            FROM offre o
            WHERE o.statut = 'active' AND o.point IS NOT NULL
              AND o.modalites_accompagnement <> ARRAY['{REMOTE}']::text[]
              AND {where}
            ORDER BY o.point <-> ST_GeomFromText(:origin, 4326)
            LIMIT :window
        ) c
    """
    return sql, params


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


def _knn_rows(conn: Connection, origin: Origin, filters: Filters, window: int) -> list[Row]:
    sql, params = knn_sql(filters)
    return conn.execute(text(sql), {**params, "origin": origin.wkt, "window": window}).all()


def _rank_key(entry: dict[str, Any], codes: set[str]) -> tuple:
    return (round(entry["_distance_m"]), entry["_commune"] not in codes, entry["id"])


def open_at(expression: str | None, when: datetime | None) -> bool:
    return when is None or hours_eval.open_state(expression, when) == "ouvert"


def _nearest_offers(
    conn: Connection, origin: Origin, filters: Filters, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """Nearest entries (with ``_distance_m``) and how many candidates had unknown hours."""
    window = max(3 * limit, 60)
    max_window = MAX_WINDOW if filters.ouvert is None else MAX_WINDOW_OPEN
    entries: list[dict[str, Any]] = []
    unknown_hours = 0
    states: dict[str | None, str] = {}  # one evaluation per distinct hours expression
    for _round in range(MAX_ROUNDS):
        rows = _knn_rows(conn, origin, filters, window)
        distances = geodesic_m(origin.points, [(r.lon, r.lat) for r in rows])
        entries, unknown_hours = [], 0
        for row, distance_m in zip(rows, distances, strict=True):
            if filters.ouvert is not None:
                state = states.get(row.horaires)
                if state is None:
                    state = states[row.horaires] = hours_eval.open_state(
                        row.horaires, filters.ouvert
                    )
                unknown_hours += state == "inconnu"
                if state != "ouvert":
                    continue
            entries.append(
                {"id": row.id, "_row": row, "_distance_m": distance_m,
                 "_commune": row.code_insee}
            )  # fmt: skip
        entries.sort(key=lambda e: _rank_key(e, origin.codes))
        if len(rows) < window or window >= max_window:
            break  # table exhausted (or hard cap reached)
        bound = _exclusion_bound_m(origin, rows[-1].planar)
        if len(entries) >= limit and entries[limit - 1]["_distance_m"] <= bound:
            break
        window = min(window * 4, max_window)
    return entries, unknown_hours


def _attach_rows(conn: Connection, entries: list[dict[str, Any]]) -> None:
    """Fetch the full rows of the entries that only carry a candidate row."""
    missing = [e["id"] for e in entries if "_full" not in e]
    if not missing:
        return
    rows = conn.execute(
        text(f"SELECT {OFFER_COLUMNS} FROM offre o WHERE o.id = ANY(:ids)"), {"ids": missing}
    ).all()
    by_id = {r.id: r for r in rows}
    for entry in entries:
        if "_full" not in entry:
            entry["_row"] = by_id[entry["id"]]
            entry["_full"] = True


def _permanence_entries(
    conn: Connection, origin: Origin, filters: Filters, start: datetime
) -> dict[int, dict[str, Any]]:
    """Active offers (survivors of merges) stopping in an origin commune or within 5 km."""
    lat = max(abs(p[1]) for p in origin.points)
    radius_deg = PERMANENCE_RADIUS_M / MIN_METRES_PER_DEGREE / math.cos(math.radians(lat))
    rows = conn.execute(
        text(
            """
            SELECT p.id, p.code_insee, COALESCE(p.commune_nom, c.nom) AS commune_nom, p.lieu,
                   p.adresse, p.horaires,
                   CASE WHEN o.statut = 'fusionnee' THEN o.fusionnee_dans ELSE o.id END
                       AS offre_id,
                   ST_X(COALESCE(p.point, c.point)) AS lon, ST_Y(COALESCE(p.point, c.point)) AS lat
            FROM permanence p
            JOIN offre o ON o.id = p.offre_id
            LEFT JOIN commune c ON c.code = p.code_insee
            WHERE p.statut = 'active' AND (
                p.code_insee = ANY(CAST(:codes AS text[]))
                OR ST_DWithin(p.point, ST_GeomFromText(:origin, 4326), :radius_deg))
            """
        ),
        {
            "origin": origin.wkt,
            "codes": sorted(origin.codes),
            "radius_deg": radius_deg,
        },
    ).all()
    located = [r for r in rows if r.lon is not None]
    distance_of = dict(
        zip(
            [r.id for r in located],
            geodesic_m(origin.points, [(r.lon, r.lat) for r in located]),
            strict=True,
        )
    )
    stops = [
        r
        for r in rows
        if (r.code_insee in origin.codes or distance_of.get(r.id, math.inf) <= PERMANENCE_RADIUS_M)
        and open_at(r.horaires, filters.ouvert)
    ]
    if not stops:
        return {}
    where, params = filters.where_sql()
    offers = conn.execute(
        text(
            f"SELECT {OFFER_COLUMNS} FROM offre o WHERE o.statut = 'active' "
            f"AND o.id = ANY(CAST(:ids AS bigint[])) AND {where}"
        ),
        {**params, "ids": sorted({s.offre_id for s in stops})},
    ).all()
    by_id = {o.id: o for o in offers}
    entries: dict[int, dict[str, Any]] = {}
    for stop in sorted(stops, key=lambda s: distance_of.get(s.id, math.inf)):
        offer = by_id.get(stop.offre_id)
        if offer is None:
            continue
        entry = entries.setdefault(
            offer.id,
            {"id": offer.id, "_row": offer, "_full": True,
             "_distance_m": distance_of.get(stop.id, 0.0),
             "_commune": stop.code_insee, "_passages": []},
        )  # fmt: skip
        for slot in hours_eval.passages(stop.horaires, start):
            slot.update({"permanence_id": stop.id, "code_insee": stop.code_insee,
                         "commune": stop.commune_nom, "lieu": stop.lieu})  # fmt: skip
            entry["_passages"].append(slot)
    for entry in entries.values():
        entry["_passages"].sort(key=lambda s: s["debut"])
    return entries


def _remote_offers(
    conn: Connection, origin: Origin, filters: Filters, limit: int, today: date
) -> list[dict[str, Any]]:
    where, params = filters.where_sql()
    rows = conn.execute(
        text(
            f"""
            SELECT {OFFER_COLUMNS} FROM offre o LEFT JOIN commune c ON c.code = o.code_insee
            WHERE o.statut = 'active' AND o.modalites_accompagnement @> ARRAY['{REMOTE}']::text[]
              AND (o.point IS NULL OR o.modalites_accompagnement = ARRAY['{REMOTE}']::text[])
              AND {where}
            ORDER BY (c.departement = ANY(
                        SELECT departement FROM commune WHERE code = ANY(CAST(:codes AS text[]))
                     )) DESC NULLS LAST,
                     o.date_maj DESC NULLS LAST, o.id
            LIMIT :lim
            """
        ),
        {**params, "codes": sorted(origin.codes), "lim": 5 * limit},
    ).all()
    kept = [r for r in rows if open_at(r.horaires, filters.ouvert)][:limit]
    return [offer_json(r, today) for r in kept]


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
    origin = resolve_origin(conn, req)
    filters, limit = req.filters, req.limite
    entries, unknown_hours = _nearest_offers(conn, origin, filters, limit)
    by_id = {e["id"]: e for e in entries}
    for offer_id, stop_entry in _permanence_entries(
        conn, origin, filters, filters.ouvert or now
    ).items():
        entry = by_id.get(offer_id)
        if entry is None:
            by_id[offer_id] = stop_entry
            stop_entry["_via_permanence"] = True
        else:
            entry["_passages"] = stop_entry["_passages"]
            if stop_entry["_distance_m"] < entry["_distance_m"]:
                entry.update(_distance_m=stop_entry["_distance_m"], _via_permanence=True)
                entry["_commune"] = stop_entry["_commune"]
    ranked = sorted(by_id.values(), key=lambda e: _rank_key(e, origin.codes))[:limit]
    _attach_rows(conn, ranked)
    results = []
    for entry in ranked:
        out = offer_json(entry["_row"], now.date())
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
        "a_distance": _remote_offers(conn, origin, filters, limit, now.date()),
        "avertissements": notes,
    }
