"""Drive-time matrices between places, and the coverage relation "candidate stop → communes".

Drive time is mapdir.geo.travel's estimate (straight line × a detour factor at a constant
speed; PRODUCT.md: × 1.3 at 50 km/h). Everything is vectorised with numpy so that a
600 × 600 matrix takes a few milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from mapdir.geo.geodesy import EARTH_RADIUS_M
from mapdir.geo.travel import DEFAULT_DETOUR_FACTOR, DEFAULT_SPEED_KMH, drive_minutes

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

    Same value as mapdir.geo.geodesy.haversine_m, computed from the chord between unit
    vectors (one matrix product, so a 600 × 600 matrix takes a few milliseconds).
    """
    dot = _unit_vectors(origins) @ _unit_vectors(destinations).T
    chord = np.sqrt(np.clip(2.0 - 2.0 * dot, 0.0, 4.0))
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.minimum(chord / 2.0, 1.0))


def drive_minutes_matrix(
    origins: Sequence[Place],
    destinations: Sequence[Place],
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
    speed_kmh: float = DEFAULT_SPEED_KMH,
) -> np.ndarray:
    """Drive minutes from every origin (rows) to every destination (columns)."""
    return drive_minutes(distance_matrix_m(origins, destinations), detour_factor, speed_kmh)


def access_minutes(
    demand: Sequence[Place],
    offers: Sequence[Place],
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
    speed_kmh: float = DEFAULT_SPEED_KMH,
) -> np.ndarray:
    """Minutes from each demand commune to its nearest offer (inf when there is no offer).

    A stand-in for the SQL access computation, used by tests, benchmarks and previews.
    """
    if not offers:
        return np.full(len(demand), math.inf)
    return drive_minutes_matrix(offers, demand, detour_factor, speed_kmh).min(axis=0)


def access_by_code(
    demand: Sequence[Place],
    offers: Sequence[Place],
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
    speed_kmh: float = DEFAULT_SPEED_KMH,
) -> dict[str, float]:
    """access_minutes as {commune code: minutes to the nearest offer}."""
    minutes = access_minutes(demand, offers, detour_factor, speed_kmh)
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
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
    speed_kmh: float = DEFAULT_SPEED_KMH,
) -> CoverageRelation:
    """Build the coverage relation between candidate stops and demand communes."""
    minutes = drive_minutes_matrix(candidates, demand, detour_factor, speed_kmh)
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
