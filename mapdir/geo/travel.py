"""Travel time without a road network: the straight-line (great-circle) distance × a detour
factor, driven at a constant speed (× 1.3 at 50 km/h by default: MAPDIR_DETOUR_FACTOR,
MAPDIR_SPEED_KMH). The search's « durée estimée » and the planner's access times share it.

Modes, one home for the planner and the prescribers' search:

- ``voiture``: MAPDIR_DETOUR_FACTOR (1.3) at MAPDIR_SPEED_KMH (50 km/h), default threshold
  MAPDIR_COVERED_MIN (20 min);
- ``sans_voiture`` (walking): MAPDIR_WALK_DETOUR_FACTOR (1.3) at MAPDIR_WALK_SPEED_KMH
  (4.5 km/h), default threshold MAPDIR_WALK_THRESHOLD_MIN (30 min, ≈ 1.7 km as the crow
  flies).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import overload

import numpy as np

from mapdir.config import Settings
from mapdir.errors import InvalidParameter

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


VOITURE = "voiture"
SANS_VOITURE = "sans_voiture"
MODES = (VOITURE, SANS_VOITURE)
LABELS = {VOITURE: "en voiture", SANS_VOITURE: "sans voiture (à pied)"}
_SETTINGS = {
    VOITURE: ("MAPDIR_DETOUR_FACTOR", "MAPDIR_SPEED_KMH", "MAPDIR_COVERED_MIN"),
    SANS_VOITURE: (
        "MAPDIR_WALK_DETOUR_FACTOR",
        "MAPDIR_WALK_SPEED_KMH",
        "MAPDIR_WALK_THRESHOLD_MIN",
    ),
}


@dataclass(frozen=True)
class TravelMode:
    """How people travel: name, detour factor, speed and default threshold (minutes)."""

    name: str
    detour_factor: float
    speed_kmh: float
    threshold_min: float

    @property
    def label(self) -> str:
        return LABELS.get(self.name, self.name)

    def minutes(self, distance_m):
        """Travel minutes for straight-line metres (scalar or numpy array)."""
        return distance_m * self.detour_factor / (self.speed_kmh * 1000.0 / 60.0)

    def metres(self, minutes: float) -> float:
        """Straight-line metres reached in `minutes`."""
        return minutes * self.speed_kmh * 1000.0 / 60.0 / self.detour_factor


def travel_mode(name: str | None, settings: Settings | None = None) -> TravelMode:
    """The mode `name` (default ``voiture``) with its settings; InvalidParameter if unknown."""
    name = name or VOITURE
    if name not in _SETTINGS:
        raise InvalidParameter(
            f"Mode inconnu : {name} (attendu : {', '.join(MODES)}).", parametre="mode"
        )
    settings = settings or Settings.from_env()
    detour, speed, threshold = (settings.float(s) for s in _SETTINGS[name])
    if detour <= 0 or speed <= 0:
        raise ValueError("Le facteur de détour et la vitesse doivent être strictement positifs.")
    return TravelMode(name, detour, speed, threshold)
