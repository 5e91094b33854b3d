"""Travel times without a road network, and the coverage relation "candidate stop → communes".

Drive time is approximated as straight-line (haversine) distance × a detour factor, driven at a
constant speed (PRODUCT.md: × 1.3 at 50 km/h); both are parameters. Everything is vectorised
with numpy so that a 600 × 600 matrix takes a few milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np
from numpy.typing import ArrayLike

EARTH_RADIUS_M = 6_371_008.8
DEFAULT_DETOUR = 1.3
DEFAULT_SPEED_KMH = 50.0
COVERED_MINUTES = 20.0
WHITE_ZONE_MINUTES = 30.0

COUVERTE = "couverte"
PEU_COUVERTE = "peu_couverte"
ZONE_BLANCHE = "zone_blanche"


@dataclass(frozen=True)
class Place:
    """A commune (or a site located at a commune): code, WGS84 position, population."""

    code: str
    lon: float
    lat: float
    population: float = 0.0


def haversine_m(
    lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike
) -> float | np.ndarray:
    """Great-circle distance in metres; accepts scalars or numpy-broadcastable arrays (degrees)."""
    lon1, lat1, lon2, lat2 = (
        np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2)
    )
    half_dlat = (lat2 - lat1) / 2.0
    half_dlon = (lon2 - lon1) / 2.0
    a = np.sin(half_dlat) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(half_dlon) ** 2
    distance = 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return float(distance) if distance.ndim == 0 else distance


@overload
def drive_minutes(distance_m: float, detour: float = ..., speed_kmh: float = ...) -> float: ...
@overload
def drive_minutes(
    distance_m: np.ndarray, detour: float = ..., speed_kmh: float = ...
) -> np.ndarray: ...
def drive_minutes(
    distance_m: float | np.ndarray,
    detour: float = DEFAULT_DETOUR,
    speed_kmh: float = DEFAULT_SPEED_KMH,
) -> float | np.ndarray:
    """Estimated drive time in minutes for a straight-line distance in metres."""
    if detour <= 0 or speed_kmh <= 0:
        raise ValueError("Le facteur de détour et la vitesse doivent être strictement positifs.")
    minutes = np.asarray(distance_m, dtype=float) * detour / (speed_kmh * 1000.0 / 60.0)
    return float(minutes) if minutes.ndim == 0 else minutes


def coordinates(places: Sequence[Place]) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes of `places` as two float arrays."""
    lons = np.fromiter((p.lon for p in places), dtype=float, count=len(places))
    lats = np.fromiter((p.lat for p in places), dtype=float, count=len(places))
    return lons, lats


def _unit_vectors(places: Sequence[Place]) -> np.ndarray:
    """Points of `places` on the unit sphere, shape (n, 3)."""
    lons, lats = (np.radians(v) for v in coordinates(places))
    cos_lat = np.cos(lats)
    return np.column_stack((cos_lat * np.cos(lons), cos_lat * np.sin(lons), np.sin(lats)))


def distance_matrix_m(origins: Sequence[Place], destinations: Sequence[Place]) -> np.ndarray:
    """Great-circle metres from every origin (rows) to every destination (columns).

    Same value as haversine_m, computed from the chord between unit vectors (one matrix
    product, so a 600 × 600 matrix takes a few milliseconds).
    """
    dot = _unit_vectors(origins) @ _unit_vectors(destinations).T
    chord = np.sqrt(np.clip(2.0 - 2.0 * dot, 0.0, 4.0))
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.minimum(chord / 2.0, 1.0))


def drive_minutes_matrix(
    origins: Sequence[Place],
    destinations: Sequence[Place],
    detour: float = DEFAULT_DETOUR,
    speed_kmh: float = DEFAULT_SPEED_KMH,
) -> np.ndarray:
    """Drive minutes from every origin (rows) to every destination (columns)."""
    return drive_minutes(distance_matrix_m(origins, destinations), detour, speed_kmh)


def access_minutes(
    demand: Sequence[Place],
    offers: Sequence[Place],
    detour: float = DEFAULT_DETOUR,
    speed_kmh: float = DEFAULT_SPEED_KMH,
) -> np.ndarray:
    """Minutes from each demand commune to its nearest offer (inf when there is no offer).

    A stand-in for the SQL access computation, used by tests, benchmarks and previews.
    """
    if not offers:
        return np.full(len(demand), math.inf)
    return drive_minutes_matrix(offers, demand, detour, speed_kmh).min(axis=0)


def access_by_code(
    demand: Sequence[Place],
    offers: Sequence[Place],
    detour: float = DEFAULT_DETOUR,
    speed_kmh: float = DEFAULT_SPEED_KMH,
) -> dict[str, float]:
    """access_minutes as {commune code: minutes to the nearest offer}."""
    minutes = access_minutes(demand, offers, detour, speed_kmh)
    return {place.code: float(m) for place, m in zip(demand, minutes, strict=True)}


@dataclass(frozen=True)
class CoverageRelation:
    """Which demand communes each candidate stop reaches within `threshold_min`.

    `minutes[j, i]` is the drive time from candidate j to demand commune i and
    `covers[j, i]` is `minutes[j, i] <= threshold_min`.
    """

    candidate_codes: tuple[str, ...]
    demand_codes: tuple[str, ...]
    minutes: np.ndarray
    covers: np.ndarray
    threshold_min: float

    def covered_by(self, candidate_code: str) -> tuple[str, ...]:
        """Codes of the demand communes that candidate `candidate_code` covers."""
        row = self.candidate_codes.index(candidate_code)
        return tuple(self.demand_codes[i] for i in np.flatnonzero(self.covers[row]))

    def as_dict(self) -> dict[str, tuple[str, ...]]:
        """The relation as {candidate code: covered demand codes}."""
        return {code: self.covered_by(code) for code in self.candidate_codes}


def coverage_relation(
    candidates: Sequence[Place],
    demand: Sequence[Place],
    threshold_min: float = COVERED_MINUTES,
    detour: float = DEFAULT_DETOUR,
    speed_kmh: float = DEFAULT_SPEED_KMH,
) -> CoverageRelation:
    """Build the coverage relation between candidate stops and demand communes."""
    minutes = drive_minutes_matrix(candidates, demand, detour, speed_kmh)
    return CoverageRelation(
        candidate_codes=tuple(c.code for c in candidates),
        demand_codes=tuple(d.code for d in demand),
        minutes=minutes,
        covers=minutes <= threshold_min,
        threshold_min=float(threshold_min),
    )


def classify(
    minutes: float | None, covered: float = COVERED_MINUTES, white: float = WHITE_ZONE_MINUTES
) -> str:
    """Access class of a commune: "couverte" (≤ covered), "peu_couverte" (≤ white), else
    "zone_blanche". None or NaN (no offer reachable) is a "zone_blanche"."""
    if covered > white:
        raise ValueError(
            "Le seuil « couverte » doit être inférieur ou égal au seuil « zone blanche »."
        )
    if minutes is None or math.isnan(minutes) or minutes > white:
        return ZONE_BLANCHE
    return COUVERTE if minutes <= covered else PEU_COUVERTE


def access_array(
    demand: Sequence[Place], current_minutes: Mapping[str, float | None]
) -> np.ndarray:
    """Current access minutes aligned with `demand`; a missing or None value means no offer."""
    values = (current_minutes.get(place.code) for place in demand)
    return np.fromiter(
        (math.inf if v is None or math.isnan(v) else float(v) for v in values),
        dtype=float,
        count=len(demand),
    )
