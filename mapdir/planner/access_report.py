"""The JSON-ready answer of ``/api/v1/accessibilite`` (also the page's, CLI's and exports'):
the département's communes, the neighbours of the buffer and every supply point that
entered the computation, so that anyone can recompute the figures."""

from __future__ import annotations

import math

import numpy as np
from sqlalchemy.engine import Connection

from mapdir.geo.indicators import indicators_in_force
from mapdir.offers.type_offre import LABELS as TYPE_LABELS
from mapdir.offers.type_offre import TYPES
from mapdir.planner import territories
from mapdir.planner.accessibility import CLASSES, Computation, compute, parametres
from mapdir.planner.request import PlanRequest


def _point(lon: float, lat: float) -> dict:
    return {"lon": round(float(lon), 6), "lat": round(float(lat), 6)}


def _minutes(value: float) -> float | None:
    return None if not math.isfinite(value) else round(float(value), 1)


def commune_rows(comp: Computation, classes: np.ndarray | None = None) -> list[dict]:
    """One row per commune of the département."""
    c, r = comp.communes, comp.result
    classes = comp.classes if classes is None else classes
    return [
        {
            "code": c.code[i],
            "nom": c.nom[i],
            "population": int(c.population[i]),
            "besoin": round(float(c.need[i]), 1),
            "besoin_estime": bool(c.need_estimated[i]),
            "point": _point(c.lon[i], c.lat[i]),
            "point_source": c.point_source[i],
            "epci": c.epci[i] or None,
            "canton": c.canton[i] or None,
            "accessibilite": round(float(r.accessibility[i]), 4),
            "classe": classes[i],
            "offres_a_portee": int(r.reach_count[i]),
            "duree_min_plus_proche": _minutes(comp.nearest_min[i]),
            "offre_plus_proche": comp.nearest_name[i],
        }
        for i in np.flatnonzero(comp.inside)
    ]


def offer_rows(comp: Computation) -> list[dict]:
    s, r = comp.supply, comp.result
    return [
        {
            "id": int(s.offre_id[j]),
            "permanence_id": int(s.permanence_id[j]) or None,
            "nom": s.nom[j],
            "commune": s.code_insee[j] or None,
            "point": _point(s.lon[j], s.lat[j]),
            "heures_hebdo": round(float(s.hours[j]), 3),
            "heures_estimees": bool(s.estimated[j]),
            "type_offre": s.types[j],
            "demande": round(float(r.demand[j]), 3),
            "ratio": round(float(r.ratio[j]), 6),
        }
        for j in range(len(s))
    ]


def totals(comp: Computation, classes: np.ndarray | None = None) -> dict:
    c, inside = comp.communes, comp.inside
    classes = comp.classes if classes is None else classes
    out: dict = {}
    for name in CLASSES:
        mask = inside & (classes == name)
        out[name] = {
            "communes": int(mask.sum()),
            "population": int(c.population[mask].sum()),
            "besoin": round(float(c.need[mask].sum()), 1),
        }
    under = inside & (classes != "dotee")
    out["besoin_total"] = round(float(c.need[inside].sum()), 1)
    out["besoin_sous_dote"] = round(float(c.need[under].sum()), 1)
    out["communes_besoin_estime"] = int((inside & c.need_estimated).sum())
    out["offres"] = len(comp.supply)
    out["offres_heures_estimees"] = int(comp.supply.estimated.sum())
    out["heures_hebdo"] = round(float(comp.supply.hours.sum()), 1)
    return out


def funders_indicators(comp: Computation) -> dict:
    """Communes of the département reaching an offer of each type within the threshold,
    permanences and structures that entered the computation."""
    r, s, inside = comp.result, comp.supply, comp.inside
    by_type = {}
    for kind in TYPES:
        has = np.array([kind in t for t in s.types], dtype=bool)
        reached = np.zeros(len(comp.communes), dtype=bool)
        if len(r.pair_supply):
            reached[r.pair_commune[has[r.pair_supply]]] = True
        by_type[kind] = {
            "libelle": TYPE_LABELS[kind],
            "communes_couvertes": int((reached & inside).sum()),
            "offres": int(has.sum()),
            "heures_hebdo": round(float(s.hours[has].sum()), 1),
        }
    in_dep = np.isin(s.code_insee, comp.communes.code[inside])
    return {
        "par_type_offre": by_type,
        "permanences": int(((s.permanence_id > 0) & in_dep).sum()),
        "structures": int(len(set(s.offre_id[in_dep & (s.offre_id > 0)].tolist()))),
        "communes": int(inside.sum()),
    }


def report(conn: Connection, req: PlanRequest, comp: Computation | None = None) -> dict:
    """The whole answer (see the module docstring)."""
    nom = territories.check_departement(conn, req.departement)
    comp = comp or compute(conn, req)
    c = comp.communes
    return {
        "departement": req.departement,
        "nom": nom,
        "parametres": parametres(comp, indicators_in_force(conn)),
        "communes": commune_rows(comp),
        "communes_voisines": [
            {
                "code": c.code[i],
                "nom": c.nom[i],
                "departement": c.departement[i],
                "besoin": round(float(c.need[i]), 1),
                "point": _point(c.lon[i], c.lat[i]),
            }
            for i in np.flatnonzero(~comp.inside)
        ],
        "offres": offer_rows(comp),
        "totaux": totals(comp),
        "indicateurs": funders_indicators(comp),
    }
