"""Travel time without a road network: the straight-line (great-circle) distance × a detour
factor, driven at a constant speed (× 1.3 at 50 km/h by default: MAPDIR_DETOUR_FACTOR,
MAPDIR_SPEED_KMH). The search's « durée estimée » and the planner's access times share it.
"""

from __future__ import annotations

from typing import overload

import numpy as np

DEFAULT_DETOUR_FACTOR = 1.3
DEFAULT_SPEED_KMH = 50.0


@overload
def drive_minutes(
    distance_m: float, detour_factor: float = ..., speed_kmh: float = ...
) -> float: ...
@overload
def drive_minutes(
    distance_m: np.ndarray, detour_factor: float = ..., speed_kmh: float = ...
) -> np.ndarray: ...
def drive_minutes(
    distance_m: float | np.ndarray,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
    speed_kmh: float = DEFAULT_SPEED_KMH,
) -> float | np.ndarray:
    """Estimated drive time in minutes for a straight-line distance in metres."""
    if detour_factor <= 0 or speed_kmh <= 0:
        raise ValueError("Le facteur de détour et la vitesse doivent être strictement positifs.")
    minutes = np.asarray(distance_m, dtype=float) * detour_factor / (speed_kmh * 1000.0 / 60.0)
    return float(minutes) if minutes.ndim == 0 else minutes
