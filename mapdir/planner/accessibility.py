"""Accessibility of every commune of a département (E2SFCA, mapdir.planner.e2sfca) with a
border buffer, classes, and the JSON-ready report of ``/api/v1/accessibilite``.

The buffer: with d the distance reached within the threshold T, the supply points are those
within d of a commune of the département (or in the bourg of one), and the communes are
those within d of such a point or of the département's communes. Every supply point's
demand is then complete (all the communes that reach it are in), so the département's
figures equal those of a national run (a test checks it). Classes: ``zone_blanche`` (no
offer within T), ``sous_dotee`` (accessibility below MAPDIR_UNDERSERVED_FRACTION × the
département's need-weighted median), ``dotee``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from mapdir.db.tables import commune
from mapdir.planner import e2sfca
from mapdir.planner.access_data import NEED_LABELS, Communes, Supply, load_communes, load_supply
from mapdir.planner.queries import COMMUNES_IN_BOX, EVERY_COMMUNE
from mapdir.planner.request import PlanRequest

ZONE_BLANCHE = "zone_blanche"
SOUS_DOTEE = "sous_dotee"
DOTEE = "dotee"
CLASSES = (ZONE_BLANCHE, SOUS_DOTEE, DOTEE)
CLASS_LABELS = {ZONE_BLANCHE: "Zone blanche", SOUS_DOTEE: "Sous-dotée", DOTEE: "Dotée"}
NEAREST_SEARCH_M = 30_000.0  # how far the nearest offer of a zone blanche is looked for
MARGIN_DEG = 0.1  # a bourg point lies within a few km of the commune's stored point


@dataclass
class Computation:
    """Communes (those of the département first flagged `inside`), supply points and the
    E2SFCA result; `threshold` is the sous-dotée line, `median` the département's median."""

    req: PlanRequest
    communes: Communes
    inside: np.ndarray
    supply: Supply
    home: np.ndarray
    result: e2sfca.Result
    nearest_min: np.ndarray
    nearest_name: np.ndarray
    threshold: float
    median: float
    weighted_median: float

    @property
    def classes(self) -> np.ndarray:
        return classify(self.result, self.threshold)


def classify(result: e2sfca.Result, threshold: float) -> np.ndarray:
    out = np.where(result.accessibility < threshold, SOUS_DOTEE, DOTEE).astype(object)
    out[result.reach_count == 0] = ZONE_BLANCHE
    return out


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The value below which half the weight lies (0 for no weight)."""
    if len(values) == 0 or weights.sum() <= 0:
        return 0.0
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2.0)])


def _bbox(lon: np.ndarray, lat: np.ndarray, metres: float) -> tuple[float, float, float, float]:
    dlat = metres / 111_000.0 + MARGIN_DEG
    dlon = metres / (111_000.0 * np.cos(np.radians(min(80.0, np.abs(lat).max())))) + MARGIN_DEG
    return (lon.min() - dlon, lat.min() - dlat, lon.max() + dlon, lat.max() + dlat)


def _homes(communes: Communes, supply: Supply, radius_m: float) -> np.ndarray:
    """Index of the commune in whose bourg each supply point lies (-1: none); a point placed
    only at its commune is moved to where the commune's people live."""
    index = {c: i for i, c in enumerate(communes.code)}
    home = np.array([index.get(c, -1) for c in supply.code_insee], dtype=np.int64)
    has = home >= 0
    at_commune = has & (supply.precision == "commune")
    supply.lon[at_commune] = communes.lon[home[at_commune]]
    supply.lat[at_commune] = communes.lat[home[at_commune]]
    dist = np.full(len(home), np.inf)
    dist[has] = e2sfca.EARTH_RADIUS_M * _angle(
        supply.lon[has], supply.lat[has], communes.lon[home[has]], communes.lat[home[has]]
    )
    home[~(dist <= radius_m)] = -1
    return home


def _angle(lon1, lat1, lon2, lat2) -> np.ndarray:
    a, b = e2sfca.unit_vectors(lon1, lat1), e2sfca.unit_vectors(lon2, lat2)
    return 2.0 * np.arcsin(np.minimum(np.linalg.norm(a - b, axis=1) / 2.0, 1.0))


def _within(points: np.ndarray, targets: np.ndarray, metres: float) -> np.ndarray:
    """Mask of `points` (unit vectors) within `metres` of any of `targets`."""
    if len(targets) == 0 or len(points) == 0:
        return np.zeros(len(points), dtype=bool)
    chord = 2.0 * np.sin(metres / e2sfca.EARTH_RADIUS_M / 2.0)
    dist, _ = cKDTree(targets).query(points, k=1, distance_upper_bound=chord * (1 + 1e-9))
    return np.isfinite(dist)


def compute(
    conn: Connection, req: PlanRequest, extra: list[tuple[float, float, str]] = ()
) -> Computation:
    """E2SFCA for the département of `req` (its buffer included; "FR": all of France).
    `extra`: added supply points (lon, lat, commune code) of `req.heures_arret` hours each,
    the proposed stops of a plan."""
    mode, threshold = req.mode, req.seuil_min
    reach_m = mode.metres(threshold)
    dep = req.departement_or_none
    if dep is None:
        communes = load_communes(conn, EVERY_COMMUNE, {}, req.besoin)
        inside = np.ones(len(communes), dtype=bool)
        supply = load_supply(conn, req.offer_filter, None, req.heures_par_defaut, req.heures_arret)
    else:
        x, y = func.ST_X(commune.c.point), func.ST_Y(commune.c.point)
        extent = conn.execute(
            select(func.min(x), func.min(y), func.max(x), func.max(y)).where(
                commune.c.departement == dep, commune.c.point.is_not(None)
            )
        ).one()
        lon, lat = np.array([extent[0], extent[2]]), np.array([extent[1], extent[3]])
        search_m = max(reach_m, NEAREST_SEARCH_M)
        box = _bbox(lon, lat, 2 * reach_m + search_m)
        communes = load_communes(
            conn, COMMUNES_IN_BOX,
            dict(zip(("x0", "y0", "x1", "y1"), box, strict=True)), req.besoin,
        )  # fmt: skip
        inside = communes.departement == dep
        supply = load_supply(
            conn,
            req.offer_filter,
            _bbox(communes.lon[inside], communes.lat[inside], search_m),
            req.heures_par_defaut,
            req.heures_arret,
        )
    supply = _with_extra(supply, extra, req.heures_arret)
    home = _homes(communes, supply, req.rayon_bourg_m)
    cxyz = e2sfca.unit_vectors(communes.lon, communes.lat)
    sxyz = e2sfca.unit_vectors(supply.lon, supply.lat)
    minutes_per_metre = mode.minutes(1.0)
    nearest_min, nearest_idx = e2sfca.nearest(cxyz, sxyz, home, _rank(supply), minutes_per_metre)
    nearest_name = np.full(len(communes), None, dtype=object)  # no supply at all: None
    if len(supply):
        nearest_name = np.where(nearest_idx >= 0, supply.nom[np.maximum(nearest_idx, 0)], None)
    if dep is not None:  # the buffer: supply reaching the département, communes reaching it
        keep_s = _within(sxyz, cxyz[inside], reach_m) | np.isin(home, np.flatnonzero(inside))
        keep_c = inside | _within(cxyz, np.vstack([sxyz[keep_s], cxyz[inside]]), reach_m)
        order = np.concatenate([np.flatnonzero(inside), np.flatnonzero(keep_c & ~inside)])
        remap_c = np.full(len(communes), -1)
        remap_c[order] = np.arange(len(order))
        new_home = np.where(home[keep_s] >= 0, remap_c[np.maximum(home[keep_s], 0)], -1)
        supply, home = supply.take(np.flatnonzero(keep_s)), new_home
        communes, inside = communes.take(order), inside[order]
        nearest_min, nearest_name = nearest_min[order], nearest_name[order]
        cxyz, sxyz = cxyz[order], sxyz[keep_s]
    result = e2sfca.compute(
        cxyz, communes.need, sxyz, supply.hours, home, minutes_per_metre, threshold,
        req.poids_bandes,
    )  # fmt: skip
    access_in = result.accessibility[inside]
    wmed = weighted_median(access_in, communes.need[inside])
    return Computation(
        req=req,
        communes=communes,
        inside=inside,
        supply=supply,
        home=home,
        result=result,
        nearest_min=nearest_min,
        nearest_name=nearest_name,
        threshold=req.fraction_sous_dotee * wmed,
        median=float(np.median(access_in)) if len(access_in) else 0.0,
        weighted_median=wmed,
    )


def _rank(supply: Supply) -> np.ndarray:
    """Stable key of each supply point: offer id, then permanence id; proposed stops (offer
    id 0) last, in their order."""
    order = np.lexsort((supply.permanence_id, supply.offre_id, supply.offre_id == 0))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


def _with_extra(supply: Supply, extra, hours: float) -> Supply:
    if not extra:
        return supply
    k = len(extra)
    return Supply(
        offre_id=np.concatenate([supply.offre_id, np.zeros(k, dtype=np.int64)]),
        permanence_id=np.concatenate([supply.permanence_id, np.zeros(k, dtype=np.int64)]),
        nom=np.concatenate([supply.nom, np.array(["Arrêt proposé"] * k, dtype=object)]),
        code_insee=np.concatenate([supply.code_insee, np.array([e[2] for e in extra], object)]),
        precision=np.concatenate([supply.precision, np.array(["commune"] * k, dtype=object)]),
        lon=np.concatenate([supply.lon, np.array([e[0] for e in extra], dtype=float)]),
        lat=np.concatenate([supply.lat, np.array([e[1] for e in extra], dtype=float)]),
        hours=np.concatenate([supply.hours, np.full(k, hours)]),
        estimated=np.concatenate([supply.estimated, np.zeros(k, dtype=bool)]),
        types=supply.types + [["assistance"]] * k,
    )


def parametres(comp: Computation, indicateurs: dict | None) -> dict:
    """The answer's `parametres`: everything needed to recompute and read the figures."""
    req, mode = comp.req, comp.req.mode
    return {
        "mesure": "accessibilite",
        "mode": mode.name,
        "mode_libelle": mode.label,
        "seuil_min": req.seuil_min,
        "vitesse_kmh": mode.speed_kmh,
        "detour": mode.detour_factor,
        "distance_seuil_km": round(mode.metres(req.seuil_min) / 1000.0, 3),
        "poids_bandes": list(req.poids_bandes),
        "bandes_min": [round(req.seuil_min * k / 3.0, 2) for k in (1, 2, 3)],
        "besoin": req.besoin,
        "besoin_libelle": NEED_LABELS[req.besoin],
        "heures_par_defaut": req.heures_par_defaut,
        "heures_par_arret": req.heures_arret,
        "rayon_bourg_m": req.rayon_bourg_m,
        "services": list(req.services),
        "programme": req.programme,
        "type_offre": req.type_offre,
        "unite": "heures d'aide hebdomadaires pour 1 000 personnes (besoin pondéré)",
        "mediane_departement": round(comp.median, 4),
        "mediane_ponderee_besoin": round(comp.weighted_median, 4),
        "fraction_sous_dotee": req.fraction_sous_dotee,
        "seuil_sous_dotee": round(comp.threshold, 4),
        "classes": {
            ZONE_BLANCHE: f"aucun lieu d'aide à moins de {req.seuil_min:g} min {mode.label}",
            SOUS_DOTEE: (
                f"accessibilité inférieure à {req.fraction_sous_dotee:g} × la médiane du "
                f"département pondérée par le besoin ({comp.threshold:.2f} h pour 1 000)"
            ),
            DOTEE: "accessibilité au moins égale à ce seuil",
        },
        "indicateurs": indicateurs,
    }
