"""Seeded synthetic départements for tests, benchmarks and demos of the planning core.

Communes are scattered uniformly over a square (default 100 km side) around a rural centre,
with log-normal populations (many villages, a few towns); existing offers sit in the largest
towns; territories (EPCI-like) are the cells of a regular grid over the square.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mapdir.geo.geodesy import EARTH_RADIUS_M
from mapdir.planner.travel import Place

CENTRE_LON = 1.25
CENTRE_LAT = 45.85


@dataclass(frozen=True)
class SyntheticDepartement:
    """Demand communes, existing offers, territory of each commune and population aged 65+."""

    communes: list[Place]
    offers: list[Place]
    territory_of: dict[str, str]
    population_65_plus: dict[str, float]


def _offset_to_lonlat(x_m: np.ndarray, y_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local equirectangular projection of metre offsets around the centre."""
    lat = CENTRE_LAT + np.degrees(y_m / EARTH_RADIUS_M)
    lon = CENTRE_LON + np.degrees(x_m / (EARTH_RADIUS_M * math.cos(math.radians(CENTRE_LAT))))
    return lon, lat


def synthetic_departement(
    n_communes: int = 300,
    n_offers: int = 4,
    seed: int = 0,
    side_km: float = 100.0,
    territory_grid: int = 3,
) -> SyntheticDepartement:
    """A reproducible random département; the same arguments always give the same instance."""
    rng = np.random.default_rng(seed)
    half_side_m = side_km * 500.0
    x_m = rng.uniform(-half_side_m, half_side_m, n_communes)
    y_m = rng.uniform(-half_side_m, half_side_m, n_communes)
    lon, lat = _offset_to_lonlat(x_m, y_m)
    population = np.maximum(50, np.round(rng.lognormal(mean=6.3, sigma=1.0, size=n_communes)))
    share_65 = rng.uniform(0.15, 0.40, n_communes)
    communes = [
        Place(f"{i + 1:05d}", float(lon[i]), float(lat[i]), float(population[i]))
        for i in range(n_communes)
    ]
    by_size = sorted(communes, key=lambda c: (-c.population, c.code))
    cell = (side_km * 1000.0) / territory_grid
    territory_of: dict[str, str] = {}
    for i, commune in enumerate(communes):
        col = min(territory_grid - 1, int((x_m[i] + half_side_m) // cell))
        row = min(territory_grid - 1, int((y_m[i] + half_side_m) // cell))
        territory_of[commune.code] = f"T{row}{col}"
    return SyntheticDepartement(
        communes=communes,
        offers=by_size[:n_offers],
        territory_of=territory_of,
        population_65_plus={
            c.code: float(round(c.population * share_65[i])) for i, c in enumerate(communes)
        },
    )
