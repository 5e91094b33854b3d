"""Itinerant stops chosen on accessibility (``mesure=accessibilite``, the default).

The MCLP (mapdir.planner.mclp, exact by default) maximises the need of the under-served
communes (zone blanche + sous-dotée) reached within the threshold, in the people's mode
(without a car a stop serves its own commune and the communes within walking time).
Candidates are the département's communes at or below its median accessibility (all of
them only when K exceeds those); a stop that reaches nobody new is never proposed. Each
stop adds `heures_arret` weekly hours at its commune's bourg; the accessibility is computed
again with them (the sous-dotée line kept from before) to report before/after per commune
and the need lifted out of "zone blanche" / "sous-dotée".
"""

from __future__ import annotations

import numpy as np
from sqlalchemy.engine import Connection

from mapdir.errors import InvalidParameter
from mapdir.planner import mclp, ranking, rota
from mapdir.planner.access_report import commune_rows, totals
from mapdir.planner.accessibility import DOTEE, Computation, classify, compute
from mapdir.planner.request import PlanRequest
from mapdir.planner.travel import Place, coverage_relation
from mapdir.text import fr_number


def _candidates(comp: Computation, req: PlanRequest) -> np.ndarray:
    inside = np.flatnonzero(comp.inside)
    if req.territoire is not None:
        inside = inside[comp.communes.epci[inside] == req.territoire]
        if not len(inside):
            raise InvalidParameter(
                f"Aucune commune du département {req.departement} dans l'EPCI {req.territoire}.",
                parametre="territoire",
            )
    eligible = inside[comp.result.accessibility[inside] <= comp.median + 1e-12]
    return eligible if req.k <= len(eligible) else inside


def _plural(n: int, words: str) -> str:
    return f"{n} " + " ".join(w + ("s" if n > 1 else "") for w in words.split())


def _sentence(stop: dict, mode_label: str, seuil: float) -> str:
    """Why this stop, in one French sentence: need reached, accessibility before/after,
    nearest help today."""
    reached = stop["communes_atteintes"]
    own = any(c["code"] == stop["code"] for c in reached)
    others = len(reached) - own
    if own:
        where = "de la commune" + (f" et de {_plural(others, 'commune voisine')}" if others else "")
    else:
        where = f"de {_plural(others, 'commune voisine')}"
    white = all(c["classe"] == "zone_blanche" for c in reached)
    state = "en zone blanche" if white else "sous-dotées ou en zone blanche"
    nearest = stop["aide_la_plus_proche"]
    if nearest["duree_min"] is None:
        today = "aucune aide connue à proximité aujourd'hui"
    else:
        minutes = fr_number(nearest["duree_min"])
        today = f"aide la plus proche aujourd'hui : {nearest['nom']}, à {minutes} min"
    before = fr_number(stop["accessibilite_avant"], 1)
    after = fr_number(stop["accessibilite_apres"], 1)
    need = fr_number(round(stop["besoin_atteint"]))
    return (
        f"{stop['nom']} : {need} personnes (besoin pondéré) {where} ({state}) seraient à "
        f"moins de {seuil:g} min {mode_label} d'une permanence ; accessibilité de la commune "
        f"{before} → {after} h pour 1 000 ; {today}."
    )


def stops(conn: Connection, req: PlanRequest, comp: Computation | None = None) -> dict:
    """K stops on accessibility, before/after, a sentence per stop, rota."""
    comp = comp or compute(conn, req)
    c, classes = comp.communes, comp.classes
    under = np.flatnonzero(comp.inside & (classes != DOTEE))
    cand = _candidates(comp, req)
    demand = [Place(c.code[i], c.lon[i], c.lat[i], float(c.need[i])) for i in under]
    candidates = [Place(c.code[i], c.lon[i], c.lat[i], float(c.need[i])) for i in cand]
    relation = coverage_relation(
        candidates, demand, req.seuil_min, req.mode.detour_factor, req.mode.speed_kmh
    )
    k = min(req.k, len(candidates))
    result = mclp.solve_mclp(demand, {}, candidates, relation, k, req.solveur)
    chosen = [s for s in result.stops if s.marginal_gain > 1e-9]
    at = {code: i for i, code in enumerate(c.code)}
    extra = [(c.lon[at[s.code]], c.lat[at[s.code]], s.code) for s in chosen]
    after = compute(conn, req, extra) if chosen else comp
    after_at = {code: i for i, code in enumerate(after.communes.code)}
    order = np.array([after_at[code] for code in c.code[comp.inside]])
    access_after = after.result.accessibility[order]
    classes_after = classify(after.result, comp.threshold)[order]
    rows_before = commune_rows(comp)
    comparison = [
        {
            "code": row["code"],
            "nom": row["nom"],
            "besoin": row["besoin"],
            "accessibilite_avant": row["accessibilite"],
            "accessibilite_apres": round(float(access_after[n]), 4),
            "classe_avant": row["classe"],
            "classe_apres": classes_after[n],
        }
        for n, row in enumerate(rows_before)
    ]
    by_code = {row["code"]: row for row in comparison}
    lifted = [r for r in comparison if r["classe_avant"] != DOTEE and r["classe_apres"] == DOTEE]
    out_of_white = [
        r for r in comparison if r["classe_avant"] == "zone_blanche" != r["classe_apres"]
    ]
    stop_rows = []
    for rank, s in enumerate(chosen, start=1):
        i = at[s.code]
        reached = relation.covered_by(s.code)
        row = {
            "rang": rank,
            "code": s.code,
            "nom": c.nom[i],
            "point": {"lon": round(float(c.lon[i]), 6), "lat": round(float(c.lat[i]), 6)},
            "besoin_atteint": round(s.marginal_gain, 1),
            "communes_atteintes": [
                {
                    "code": code,
                    "nom": by_code[code]["nom"],
                    "besoin": by_code[code]["besoin"],
                    "classe": by_code[code]["classe_avant"],
                }
                for code in reached
            ],  # fmt: skip
            "accessibilite_avant": by_code[s.code]["accessibilite_avant"],
            "accessibilite_apres": by_code[s.code]["accessibilite_apres"],
            "aide_la_plus_proche": {
                "nom": comp.nearest_name[i],
                "duree_min": None
                if not np.isfinite(comp.nearest_min[i])
                else round(float(comp.nearest_min[i]), 1),
            },
        }
        row["phrase"] = _sentence(row, req.mode.label, req.seuil_min)
        # the distance plan's keys, read by publication.publish_plan
        row["gain_marginal"] = int(round(s.marginal_gain))
        row["communes_nouvellement_couvertes"] = row["communes_atteintes"]
        stop_rows.append(row)
    note = None
    if len(chosen) < req.k:
        note = (
            f"{len(chosen)} arrêt(s) proposé(s) au lieu de {req.k} : aucun autre arrêt "
            "n'atteint une commune sous-dotée ou en zone blanche qui ne le soit déjà."
        )
    return {
        "departement": req.departement,
        "mesure": "accessibilite",
        "mode": req.mode.name,
        "besoin": req.besoin,
        "k": req.k,
        "k_propose": len(chosen),
        "territoire": req.territoire,
        "services": list(req.services),
        "programme": req.programme,
        "type_offre": req.type_offre,
        "note": note,
        "seuil_min": req.seuil_min,
        "heures_par_arret": req.heures_arret,
        "solveur": result.solver,
        "statut_solveur": result.status,
        "secondes": round(result.seconds, 3),
        "mediane_departement": round(comp.median, 4),
        "besoin_sous_dote_avant": round(float(c.need[under].sum()), 1),
        "besoin_atteint": round(sum(s.marginal_gain for s in chosen), 1),
        "besoin_sorti_sous_dotation": round(sum(r["besoin"] for r in lifted), 1),
        "besoin_sorti_zone_blanche": round(sum(r["besoin"] for r in out_of_white), 1),
        "communes_relevees": len(lifted),
        "heures_ajoutees": round(req.heures_arret * len(chosen), 1),
        "totaux_avant": totals(comp),
        "totaux_apres": totals(after, classify(after.result, comp.threshold)),
        "arrets": stop_rows,
        "communes": comparison,
        "tournee": rota_for(req, stop_rows, c, at),
    }


def rota_for(req: PlanRequest, stop_rows: list[dict], c, at: dict) -> dict:
    """The rota of the stops (depot: `req.depot`, else the most populated candidate)."""
    places = [Place(s["code"], s["point"]["lon"], s["point"]["lat"]) for s in stop_rows]
    depot_code = req.depot or (stop_rows[0]["code"] if stop_rows else None)
    if depot_code is None:
        return {"depot": None, "cycle_semaines": req.cycle_semaines, "creneaux": [],
                "jours": [], "non_planifies": []}  # fmt: skip
    if depot_code not in at:
        raise InvalidParameter(
            f"Le dépôt {depot_code} n'est pas une commune du département.", parametre="depot"
        )
    i = at[depot_code]
    depot = Place(depot_code, float(c.lon[i]), float(c.lat[i]))
    schedule = rota.build_rota(
        places, depot, req.cycle_semaines, max_daily_drive_min=req.conduite_max_jour_min,
        detour_factor=req.detour_factor, speed_kmh=req.speed_kmh,
    )  # fmt: skip
    names = {code: c.nom[at[code]] for code in [depot_code, *(p.code for p in places)]}
    return rota.as_dict(schedule, names)


#: the ranking's components on accessibility, named after the distance ones they replace
RANK_NAMES = {
    "uncovered_population": "besoin_sous_dote",
    "uncovered_share": "part_sous_dotee",
    "fragile_uncovered": "deficit_pondere",
    "stop_gain": "gain_arrets",
}


def rank(
    conn: Connection,
    req: PlanRequest,
    level: str,
    names: dict,
    k_stops: int = 3,
    comp: Computation | None = None,
):
    """EPCIs (or cantons) ranked on accessibility (mapdir.planner.ranking's scoring):
    need of the under-served communes, its share of the territory's need, the need-weighted
    shortfall below the median (Σ besoin × max(0, 1 − A / médiane)), and the need that
    `k_stops` stops in the territory would reach."""
    comp = comp or compute(conn, req)
    c, classes = comp.communes, comp.classes
    inside = np.flatnonzero(comp.inside)
    places = [Place(c.code[i], c.lon[i], c.lat[i], float(c.need[i])) for i in inside]
    served = {c.code[i]: (0.0 if classes[i] == DOTEE else None) for i in inside}
    reference = comp.weighted_median or 1.0
    shortfall = {
        c.code[i]: float(c.need[i]) * max(0.0, 1.0 - comp.result.accessibility[i] / reference)
        for i in inside
    }
    relation = coverage_relation(
        places, places, req.seuil_min, req.mode.detour_factor, req.mode.speed_kmh
    )
    column = c.epci if level == "epci" else c.canton
    territory_of = {c.code[i]: column[i] for i in inside if column[i]}
    try:
        scores = ranking.rank_territories(
            places, served, places, relation, territory_of, k_stops, req.poids or None,
            population_65_plus=shortfall,
        )  # fmt: skip
    except ValueError as error:
        raise InvalidParameter(str(error), parametre="poids") from None
    mean_access = {}
    for code in territory_of.values():
        members = [i for i in inside if column[i] == code]
        weights = c.need[members]
        mean_access[code] = float(
            np.average(comp.result.accessibility[members], weights=weights)
            if weights.sum() > 0
            else 0.0
        )
    return [
        {
            "rang": s.rank,
            "code": s.code,
            "nom": names.get(s.code, s.code),
            "score": round(s.score, 4),
            "population": int(sum(c.population[i] for i in inside if column[i] == s.code)),
            "besoin": round(s.total_population, 1),
            "accessibilite_moyenne": round(mean_access[s.code], 4),
            "composantes": {RANK_NAMES[k]: round(v, 4) for k, v in s.components.items()},
            "normalisees": {RANK_NAMES[k]: round(v, 4) for k, v in s.normalised.items()},
            "arrets_proposes": list(s.proposed_stops),
        }
        for s in scores
    ]
