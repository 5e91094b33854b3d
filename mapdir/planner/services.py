"""Planner glue: validated requests → coverage report, ranking, stops, rota (thin over the core).

The SQL lives in `access.py`, the optimisation in `travel/mclp/ranking/rota.py`; this module
turns one into the other and shapes French-keyed dictionaries for the API, pages, CLI and
exports. Publishing a plan (the only database writes) is in `publication.py`.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from mapdir.errors import InvalidParameter
from mapdir.planner import (
    access,
    access_plan,
    access_report,
    exports,
    mclp,
    ranking,
    rota,
    solvers,
    territories,
)
from mapdir.planner.parameters import parse_request
from mapdir.planner.request import MAX_K, SOLVERS, PlanRequest
from mapdir.planner.travel import (
    COUVERTE,
    PEU_COUVERTE,
    ZONE_BLANCHE,
    Place,
    classify,
    coverage_relation,
)

CLASSES = (COUVERTE, PEU_COUVERTE, ZONE_BLANCHE)
__all__ = ["MAX_K", "SOLVERS", "PlanRequest", "parse_request"]


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


def commune_layer(conn: Connection, req: PlanRequest, what: str):
    """Access per commune (``what``: couverture or accessibilite) with the communes'
    polygons, as a GeoDataFrame for the downloads."""
    if what == "couverture":
        rows, frame = public_rows(coverage(conn, req)), exports.access_frame
    else:
        rows, frame = access_report.report(conn, req)["communes"], exports.accessibility_frame
    return frame(rows, territories.commune_polygons(conn, req.departement))


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
    if req.mesure == "accessibilite":
        territories.check_departement(conn, req.departement)
        names = territories.territory_names(conn, req.departement)[level]
        return access_plan.rank(conn, req, level, names, k_stops)
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
    if req.mesure == "accessibilite":  # the default; the nearest-offer model below
        territories.check_departement(conn, req.departement)
        return access_plan.stops(conn, req)
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
    # a stop that brings nobody within the threshold is neither proposed nor scheduled
    useful = [s for s in result.stops if s.marginal_gain > 0]
    chosen = [places[s.code] for s in useful]
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
        "mesure": "distance",
        "k": req.k,
        "k_propose": len(useful),
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
            for i, s in enumerate(useful, start=1)
        ],
        "courbe": [
            {"k": r.k, "population_couverte": int(r.covered_population_after)} for r in curve
        ],
        "couverture_totale": {
            "nombre_arrets": cover_all.n_stops,
            "arrets": list(cover_all.stops),
            "communes_hors_de_portee": list(cover_all.uncoverable),
        },
        "tournee": rota.as_dict(schedule, {code: row["nom"] for code, row in by_code.items()}),
    }
