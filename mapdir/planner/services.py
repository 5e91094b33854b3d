"""Planner glue: validated requests → coverage report, ranking, stops, rota (thin over the core).

The SQL lives in `access.py`, the optimisation in `travel/mclp/ranking/rota.py`; this module
turns one into the other and shapes French-keyed dictionaries for the API, pages, CLI and
exports. Publishing a plan (the only database writes) is in `publication.py`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from sqlalchemy.engine import Connection

from mapdir.config import Settings
from mapdir.errors import InvalidParameter
from mapdir.geo.travel import DEFAULT_DETOUR_FACTOR, DEFAULT_SPEED_KMH, drive_minutes
from mapdir.offers.filters import Filters
from mapdir.offers.vocab import PROGRAMMES, SERVICES
from mapdir.planner import access, mclp, ranking, rota, solvers, territories
from mapdir.planner.travel import (
    COUVERTE,
    PEU_COUVERTE,
    ZONE_BLANCHE,
    Place,
    classify,
    coverage_relation,
)
from mapdir.text import ascii_float, ascii_int

CLASSES = (COUVERTE, PEU_COUVERTE, ZONE_BLANCHE)
SOLVERS = (solvers.EXACT, solvers.CBC, solvers.HIGHS, solvers.GREEDY)
MAX_K = 50


@dataclass(frozen=True)
class PlanRequest:
    """Validated planning parameters (see `parse_request`)."""

    departement: str
    seuil_min: float = 20.0
    zone_blanche_min: float = 30.0
    detour_factor: float = DEFAULT_DETOUR_FACTOR
    speed_kmh: float = DEFAULT_SPEED_KMH
    services: tuple[str, ...] = ()
    programme: str | None = None
    k: int = 5
    territoire: str | None = None
    depot: str | None = None
    cycle_semaines: int = 1
    solveur: str = solvers.EXACT
    k_max_courbe: int = 15
    poids: dict[str, float] = field(default_factory=dict)

    @property
    def offer_filter(self) -> Filters:
        """Which offers count as access."""
        programmes = (self.programme,) if self.programme else ()
        return Filters(services=self.services, programmes=programmes)

    def minutes(self, distance_m: float | None) -> float | None:
        """Estimated drive minutes for a straight-line distance (None: no offer)."""
        return (
            None
            if distance_m is None
            else drive_minutes(distance_m, self.detour_factor, self.speed_kmh)
        )


def _number(raw, name: str, cast, lo: float, hi: float):
    try:
        value = cast(ascii_float(raw) if cast is float else ascii_int(raw))
    except (TypeError, ValueError):
        raise InvalidParameter(f"« {name} » doit être un nombre.", parametre=name) from None
    if isinstance(value, float) and not math.isfinite(value) or not lo <= value <= hi:
        raise InvalidParameter(
            f"« {name} » doit être compris entre {lo:g} et {hi:g}.", parametre=name
        )
    return value


def _list(raw) -> list[str]:
    if raw is None or raw == "":
        return []
    items = raw if isinstance(raw, list | tuple) else str(raw).split(",")
    return [str(s).strip() for s in items if str(s).strip()]


def parse_request(data: Mapping, settings: Settings | None = None) -> PlanRequest:
    """A PlanRequest from query/JSON/form values; InvalidParameter (French) when wrong.

    Keys: departement, seuil_min, zone_blanche_min, services (list or comma-separated slugs),
    programme, k, territoire (EPCI SIREN), depot (INSEE code), cycle_semaines (1|2), solveur.
    """
    defaults = PlanRequest(departement="")
    if settings is not None:
        defaults = replace(
            defaults,
            seuil_min=settings.float("MAPDIR_COVERED_MIN"),
            zone_blanche_min=settings.float("MAPDIR_WHITE_ZONE_MIN"),
            detour_factor=settings.float("MAPDIR_DETOUR_FACTOR"),
            speed_kmh=settings.float("MAPDIR_SPEED_KMH"),
        )
    if not isinstance(data, Mapping):
        raise InvalidParameter("Le corps de la requête doit être un objet JSON.")

    def get(name: str, default):
        value = data.get(name)
        return default if value is None or value == "" else value

    departement = str(get("departement", "")).strip().upper()
    if not departement:
        raise InvalidParameter("Indiquez « departement » (ex. 87).", parametre="departement")
    seuil = _number(get("seuil_min", defaults.seuil_min), "seuil_min", float, 1, 180)
    white = _number(
        get("zone_blanche_min", max(seuil, defaults.zone_blanche_min)),
        "zone_blanche_min",
        float,
        1,
        240,
    )
    if white < seuil:
        raise InvalidParameter(
            "« zone_blanche_min » doit être supérieur ou égal à « seuil_min ».",
            parametre="zone_blanche_min",
        )
    services = tuple(_list(data.get("services")))
    unknown = [s for s in services if s not in SERVICES]
    if unknown:
        raise InvalidParameter(
            f"Service inconnu : {', '.join(unknown)} (attendu : {', '.join(SERVICES)}).",
            parametre="services",
        )
    programme = get("programme", None)
    if programme is not None and programme not in PROGRAMMES:
        raise InvalidParameter(
            f"Programme inconnu : {programme} (attendu : {', '.join(PROGRAMMES)}).",
            parametre="programme",
        )
    solveur = str(get("solveur", defaults.solveur))
    if solveur not in SOLVERS:
        raise InvalidParameter(
            f"Solveur inconnu : {solveur} (attendu : {', '.join(SOLVERS)}).", parametre="solveur"
        )
    territoire = get("territoire", None)
    if territoire is not None and not (str(territoire).isdigit() and len(str(territoire)) == 9):
        raise InvalidParameter(
            "« territoire » doit être le SIREN d'un EPCI (9 chiffres).", parametre="territoire"
        )
    depot = get("depot", None)
    if depot is not None and not (len(str(depot)) == 5 and str(depot).isalnum()):
        raise InvalidParameter("« depot » doit être un code INSEE de commune.", parametre="depot")
    cycle = _number(get("cycle_semaines", 1), "cycle_semaines", int, 1, 2)
    poids = data.get("poids") or {}
    if not isinstance(poids, Mapping) or set(poids) - set(ranking.COMPONENTS):
        raise InvalidParameter(
            f"« poids » : clés attendues {', '.join(ranking.COMPONENTS)}.", parametre="poids"
        )
    return replace(
        defaults,
        departement=departement,
        seuil_min=seuil,
        zone_blanche_min=white,
        services=services,
        programme=programme,
        k=_number(get("k", defaults.k), "k", int, 1, MAX_K),
        territoire=None if territoire is None else str(territoire),
        depot=None if depot is None else str(depot),
        cycle_semaines=cycle,
        solveur=solveur,
        poids={k: _number(v, f"poids.{k}", float, 0, 1000) for k, v in poids.items()},
    )


def _place(row: access.CommuneAccess) -> Place:
    return Place(row.code, row.lon, row.lat, float(row.population))


def _totals(rows: list[dict]) -> dict[str, dict[str, int]]:
    totals = {c: {"communes": 0, "population": 0} for c in CLASSES}
    for row in rows:
        totals[row["classe"]]["communes"] += 1
        totals[row["classe"]]["population"] += row["population"]
    return totals


def coverage(conn: Connection, req: PlanRequest) -> dict:
    """Access per commune, totals per class, per EPCI and per canton, funders' indicators."""
    nom_dep = territories.check_departement(conn, req.departement)
    names = territories.territory_names(conn, req.departement)
    rows = []
    for r in access.commune_access(conn, req.departement, offer_filter=req.offer_filter):
        minutes = req.minutes(r.distance_m)
        rows.append(
            {
                "code": r.code,
                "nom": r.nom,
                "population": r.population,
                "point": {"lon": round(r.lon, 6), "lat": round(r.lat, 6)},
                "epci": r.epci,
                "canton": r.canton,
                "offre_id": r.offre_id,
                "offre_nom": r.offre_nom,
                "distance_km": None if r.distance_m is None else round(r.distance_m / 1000, 3),
                "duree_estimee_min": None if minutes is None else round(minutes, 1),
                "par_permanence": r.via_permanence,
                "classe": classify(minutes, req.seuil_min, req.zone_blanche_min),
                "_minutes": minutes,
            }
        )
    by_territory = {}
    for level in ("epci", "canton"):
        groups: dict[str, list[dict]] = {}
        for row in rows:
            groups.setdefault(row[level] or "", []).append(row)
        by_territory[level] = [
            {"code": code, "nom": names[level].get(code, code or "(sans)"), **_totals(members)}
            for code, members in sorted(groups.items())
        ]
    totals = _totals(rows)
    indicators = territories.offer_indicators(conn, req.departement, req.offer_filter)
    indicators.update(
        communes=len(rows),
        communes_couvertes=totals[COUVERTE]["communes"],
        population=sum(r["population"] for r in rows),
        population_couverte=totals[COUVERTE]["population"],
    )
    return {
        "departement": req.departement,
        "nom": nom_dep,
        "parametres": {
            "seuil_min": req.seuil_min,
            "zone_blanche_min": req.zone_blanche_min,
            "facteur_detour": req.detour_factor,
            "vitesse_kmh": req.speed_kmh,
            "services": list(req.services),
            "programme": req.programme,
        },
        "communes": rows,
        "totaux": totals,
        "par_epci": by_territory["epci"],
        "par_canton": by_territory["canton"],
        "indicateurs": indicators,
    }


def public_rows(report: dict) -> list[dict]:
    """Commune rows without the internal keys (for JSON and exports)."""
    return [{k: v for k, v in row.items() if not k.startswith("_")} for row in report["communes"]]


def _instance(report: dict, req: PlanRequest, candidate_codes: set[str] | None = None):
    demand = [
        Place(r["code"], r["point"]["lon"], r["point"]["lat"], float(r["population"]))
        for r in report["communes"]
    ]
    current = {r["code"]: r["_minutes"] for r in report["communes"]}
    candidates = [p for p in demand if candidate_codes is None or p.code in candidate_codes]
    relation = coverage_relation(
        candidates, demand, req.seuil_min, req.detour_factor, req.speed_kmh
    )
    return demand, current, candidates, relation


def rank(conn: Connection, req: PlanRequest, level: str = "epci", k_stops: int = 3) -> list[dict]:
    """EPCIs (or cantons) of the département ranked for a pilot mission, every component shown."""
    if level not in ("epci", "canton"):
        raise InvalidParameter("Niveau attendu : epci ou canton.", parametre="niveau")
    report = coverage(conn, req)
    demand, current, candidates, relation = _instance(report, req)
    names = territories.territory_names(conn, req.departement)[level]
    territory_of = {r["code"]: r[level] for r in report["communes"] if r[level]}
    try:
        scores = ranking.rank_territories(
            demand, current, candidates, relation, territory_of, k_stops, req.poids or None
        )
    except ValueError as error:
        raise InvalidParameter(str(error), parametre="poids") from None
    return [
        {
            "rang": s.rank,
            "code": s.code,
            "nom": names.get(s.code, s.code),
            "score": round(s.score, 4),
            "population": int(s.total_population),
            "composantes": {k: round(v, 4) for k, v in s.components.items()},
            "normalisees": {k: round(v, 4) for k, v in s.normalised.items()},
            "arrets_proposes": list(s.proposed_stops),
        }
        for s in scores
    ]


def _candidate_codes(report: dict, req: PlanRequest) -> set[str]:
    if req.territoire is None:
        return {r["code"] for r in report["communes"]}
    codes = {r["code"] for r in report["communes"] if r["epci"] == req.territoire}
    if not codes:
        raise InvalidParameter(
            f"Aucune commune du département {req.departement} dans l'EPCI {req.territoire}.",
            parametre="territoire",
        )
    return codes


def stops(conn: Connection, req: PlanRequest, report: dict | None = None) -> dict:
    """K stops (exact MCLP unless `solveur` = greedy), greedy curve, set-covering minimum, rota."""
    report = report or coverage(conn, req)
    demand, current, candidates, relation = _instance(report, req, _candidate_codes(report, req))
    if req.k > len(candidates):
        raise InvalidParameter(
            f"« k » dépasse le nombre de communes candidates ({len(candidates)}).", parametre="k"
        )
    by_code = {r["code"]: r for r in report["communes"]}
    result = mclp.solve_mclp(demand, current, candidates, relation, req.k, req.solveur)
    k_max = min(max(req.k, req.k_max_courbe), len(candidates))
    curve = mclp.coverage_curve(demand, current, candidates, relation, k_max, solvers.GREEDY)
    cover_all = mclp.min_stops_to_cover_all(
        demand,
        current,
        candidates,
        relation,
        solvers.GREEDY if req.solveur == "greedy" else "exact",
    )
    places = {p.code: p for p in demand}
    chosen = [places[code] for code in result.stop_codes]
    depot_code = req.depot or max(candidates, key=lambda p: (p.population, p.code)).code
    if depot_code not in places:
        raise InvalidParameter(
            f"Le dépôt {depot_code} n'est pas une commune du département.", parametre="depot"
        )
    schedule = rota.build_rota(
        chosen,
        places[depot_code],
        req.cycle_semaines,
        detour_factor=req.detour_factor,
        speed_kmh=req.speed_kmh,
    )
    return {
        "departement": req.departement,
        "k": req.k,
        "seuil_min": req.seuil_min,
        "territoire": req.territoire,
        "services": list(req.services),
        "solveur": result.solver,
        "statut_solveur": result.status,
        "secondes": round(result.seconds, 3),
        "population_totale": int(result.total_population),
        "population_couverte_avant": int(result.covered_population_before),
        "population_couverte_apres": int(result.covered_population_after),
        "population_gagnee": int(result.gain),
        "arrets": [
            {
                "rang": i,
                "code": s.code,
                "nom": by_code[s.code]["nom"],
                "point": by_code[s.code]["point"],
                "gain_marginal": int(s.marginal_gain),
                "population_rattachee": int(s.assigned_population),
                "communes_nouvellement_couvertes": [
                    {"code": c, "nom": by_code[c]["nom"], "population": by_code[c]["population"]}
                    for c in s.newly_covered
                ],
            }
            for i, s in enumerate(result.stops, start=1)
        ],
        "courbe": [
            {"k": r.k, "population_couverte": int(r.covered_population_after)} for r in curve
        ],
        "couverture_totale": {
            "nombre_arrets": cover_all.n_stops,
            "arrets": list(cover_all.stops),
            "communes_hors_de_portee": list(cover_all.uncoverable),
        },
        "tournee": rota.rota_json(schedule, by_code),
    }
