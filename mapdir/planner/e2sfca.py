"""Enhanced two-step floating catchment area (E2SFCA, Luo & Qi 2009): hours of help per
1,000 people in need, pure numpy (no database).

With t_ij the travel time from commune i to supply point j, and W the band weight of t_ij
within the threshold T (t ≤ T/3 → w1, ≤ 2T/3 → w2, ≤ T → w3, beyond → 0):

- step 1, each supply point j: ``demande_j = Σ_i W(t_ij) × besoin_i`` and
  ``ratio_j = heures_hebdo_j / demande_j × 1000`` (0 when nobody is within reach);
- step 2, each commune i: ``accessibilite_i = Σ_j W(t_ij) × ratio_j``.

Hence Σ_i besoin_i × accessibilite_i = 1000 × Σ_j heures_hebdo_j over the points that have
demand (the conservation the tests check). Pairs within T are found with a k-d tree on the
unit sphere (exact great-circle distances, overseas included): a commune reaches a few
hundred points at most, so the whole of France is a few million pairs. A supply point may be
"at home" in one commune (an offer of the commune located in its bourg): its travel time
from that commune is 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

EARTH_RADIUS_M = 6_371_008.8


def unit_vectors(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Points on the unit sphere, shape (n, 3), from degrees."""
    lon, lat = np.radians(np.asarray(lon, dtype=float)), np.radians(np.asarray(lat, dtype=float))
    cos_lat = np.cos(lat)
    return np.column_stack((cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)))


def _chord(metres: float) -> float:
    return 2.0 * np.sin(min(metres / EARTH_RADIUS_M, np.pi) / 2.0)


def _arc_m(chord: np.ndarray) -> np.ndarray:
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.minimum(np.asarray(chord) / 2.0, 1.0))


@dataclass(frozen=True)
class Pairs:
    """(commune index, supply index, metres) of every pair within a distance."""

    commune: np.ndarray
    supply: np.ndarray
    metres: np.ndarray


def pairs_within(
    commune_xyz: np.ndarray, supply_xyz: np.ndarray, max_m: float, supply_tree=None
) -> Pairs:
    """Every (commune, supply point) pair at most `max_m` apart (great circle)."""
    if len(commune_xyz) == 0 or len(supply_xyz) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Pairs(empty, empty, np.zeros(0))
    tree = supply_tree if supply_tree is not None else cKDTree(supply_xyz)
    # the ndarray output keeps exact zeros (a point on the commune's own point)
    found = cKDTree(commune_xyz).sparse_distance_matrix(tree, _chord(max_m), output_type="ndarray")
    return Pairs(found["i"].astype(np.int64), found["j"].astype(np.int64), _arc_m(found["v"]))


def band_weights(minutes: np.ndarray, threshold: float, weights: tuple[float, ...]) -> np.ndarray:
    """Weight of each travel time: the band of the threshold it falls in (0 beyond)."""
    bands = np.ceil(np.asarray(minutes, dtype=float) / (threshold / len(weights)) - 1e-9)
    bands = np.clip(bands, 1, len(weights) + 1).astype(int) - 1
    table = np.append(np.asarray(weights, dtype=float), 0.0)
    out = table[bands]
    out[np.asarray(minutes) > threshold + 1e-9] = 0.0
    return out


@dataclass(frozen=True)
class Result:
    """Accessibility of each commune and the figures of each supply point."""

    accessibility: np.ndarray  # per commune: weekly hours per 1,000 people in need
    reach_count: np.ndarray  # per commune: supply points with a non-zero weight
    demand: np.ndarray  # per supply point
    ratio: np.ndarray  # per supply point: weekly hours per 1,000 people in need
    pair_commune: np.ndarray
    pair_supply: np.ndarray
    pair_minutes: np.ndarray
    pair_weight: np.ndarray


def compute(
    commune_xyz: np.ndarray,
    need: np.ndarray,
    supply_xyz: np.ndarray,
    hours: np.ndarray,
    supply_home: np.ndarray,
    minutes_per_metre: float,
    threshold_min: float,
    weights: tuple[float, ...],
    supply_tree=None,
) -> Result:
    """E2SFCA on communes (points, need) and supply points (points, weekly hours).

    `supply_home[j]` is the index of the commune in whose bourg point j lies (travel time 0
    from there), or -1. `minutes_per_metre` converts straight-line metres to minutes."""
    n, m = len(commune_xyz), len(supply_xyz)
    pairs = pairs_within(commune_xyz, supply_xyz, threshold_min / minutes_per_metre, supply_tree)
    minutes = pairs.metres * minutes_per_metre
    commune, supply = pairs.commune, pairs.supply
    home = supply_home[supply] == commune
    minutes[home] = 0.0
    # points at home farther than the threshold from their commune's point: add that pair
    homed = np.flatnonzero(supply_home >= 0)
    missing = np.setdiff1d(homed, supply[home], assume_unique=False)
    if len(missing):
        commune = np.concatenate([commune, supply_home[missing]])
        supply = np.concatenate([supply, missing])
        minutes = np.concatenate([minutes, np.zeros(len(missing))])
    weight = band_weights(minutes, threshold_min, weights)
    keep = weight > 0
    c, s, w, t = commune[keep], supply[keep], weight[keep], minutes[keep]
    demand = np.bincount(s, weights=w * need[c], minlength=m)
    ratio = np.divide(hours * 1000.0, demand, out=np.zeros(m, dtype=float), where=demand > 0)
    access = np.bincount(c, weights=w * ratio[s], minlength=n)
    reach = np.bincount(c, minlength=n)
    return Result(access, reach, demand, ratio, c, s, t, w)


def nearest(
    commune_xyz: np.ndarray,
    supply_xyz: np.ndarray,
    supply_home: np.ndarray,
    supply_rank: np.ndarray,
    minutes_per_metre: float,
    supply_tree=None,
) -> tuple[np.ndarray, np.ndarray]:
    """Travel minutes from each commune to its nearest supply point and that point's index
    (inf and -1: no point at all). Ties go to the smallest `supply_rank` (the caller's stable
    key: offer id, then permanence id), so that the answer never depends on the order the
    points were read in: several offers often share one address, and every point in a
    commune's bourg is at 0 min from it."""
    n = len(commune_xyz)
    if len(supply_xyz) == 0:
        return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
    tree = supply_tree if supply_tree is not None else cKDTree(supply_xyz)
    chord, index = tree.query(commune_xyz, k=1)
    index = index.astype(np.int64)
    # every point as near as the nearest one (a relative 1e-9: rounding of the tree's sums)
    ties = tree.query_ball_point(commune_xyz, r=chord * (1.0 + 1e-9) + 1e-15)
    for i, near in enumerate(ties):
        if len(near) > 1:
            index[i] = min(near, key=supply_rank.__getitem__)
    minutes = _arc_m(chord) * minutes_per_metre
    at_home: dict[int, list[int]] = {}
    for j in np.flatnonzero(supply_home >= 0).tolist():
        at_home.setdefault(int(supply_home[j]), []).append(j)
    for i, points in at_home.items():
        if chord[i] == 0.0:  # points on the commune's own point are at 0 min too
            points = points + list(ties[i])
        minutes[i], index[i] = 0.0, min(points, key=supply_rank.__getitem__)
    return minutes, index
