"""The search's proof that no offer outside the KNN window is nearer: the lower bound of the
geodesic distance of any point at a planar distance of at least D degrees from the origin
(mapdir.offers.nearest.exclusion_bound_m), checked against pyproj's WGS84 distances on
random origins (France, overseas, next to the antimeridian, postcode multipoints)."""

from __future__ import annotations

import math
import random

import numpy as np
from pyproj import Geod

from mapdir.geo.geodesy import geodesic_m
from mapdir.offers.nearest import Origin, exclusion_bound_m

GEOD = Geod(ellps="WGS84")


def _random_origin(rng: random.Random) -> Origin:
    kind = rng.random()
    if kind < 0.4:  # metropolitan France, a postcode of several communes
        lon, lat = rng.uniform(-5, 9), rng.uniform(41, 51)
        points = [(lon + rng.uniform(-0.1, 0.1), lat + rng.uniform(-0.1, 0.1)) for _ in range(5)]
    elif kind < 0.7:  # next to the antimeridian (Wallis, New Caledonia)
        lon = rng.choice([-1, 1]) * rng.uniform(160, 179.99)
        points = [(lon, rng.uniform(-25, -10))]
    else:  # anywhere an offer could be
        points = [(rng.uniform(-180, 180), rng.uniform(-52, 52))]
    return Origin(points, [], "point")


def _far_point(rng: random.Random, origin: Origin, planar: float, lat_cap: float):
    """A random point at a planar distance >= `planar` from every origin point."""
    for _ in range(1000):
        lon0, lat0 = rng.choice(origin.points)
        angle, radius = rng.uniform(0, 2 * math.pi), planar * rng.uniform(1.0, 1.3)
        lon, lat = lon0 + radius * math.cos(angle), lat0 + radius * math.sin(angle)
        if rng.random() < 0.3:  # anywhere on the globe, kept if far enough in planar terms
            lon, lat = rng.uniform(-180, 180), rng.uniform(-lat_cap, lat_cap)
        if not (-180 <= lon <= 180 and -lat_cap <= lat <= lat_cap):
            continue
        if all(math.hypot(lon - x, lat - y) >= planar for x, y in origin.points):
            return lon, lat
    return None


def test_bound_never_exceeds_a_true_geodesic_distance():
    rng = random.Random(20261123)
    checked, tightest = 0, math.inf
    for _ in range(3000):
        origin = _random_origin(rng)
        planar = 10 ** rng.uniform(-2.5, 2.3)  # 0.003° to 200°
        lat_cap = rng.choice([52.0, 90.0])
        point = _far_point(rng, origin, planar, min(lat_cap, 89.9))
        if point is None:
            continue
        bound = exclusion_bound_m(origin, planar, lat_cap)
        lons = np.array([p[0] for p in origin.points])
        lats = np.array([p[1] for p in origin.points])
        _, _, dist = GEOD.inv(
            lons, lats, np.full_like(lons, point[0]), np.full_like(lats, point[1])
        )
        true = float(dist.min())
        assert bound <= true, (origin.points, planar, point, bound, true)
        checked += 1
        tightest = min(tightest, true / bound if bound else math.inf)
    assert checked > 2000
    print(f"\n{checked} random cases, tightest true/bound ratio {tightest:.4f}")


def test_bound_is_useful_in_france():
    """Close to the planar radius in metres at French latitudes, so the first window proves
    most answers (a useless bound would make every search widen)."""
    origin = Origin([(1.26, 45.83)], [], "point")
    bound = exclusion_bound_m(origin, 0.1)
    # 0.1° of longitude at 45.8° N is ≈ 7.8 km, of latitude ≈ 11.1 km
    assert 7_000 < bound < 7_800
    assert exclusion_bound_m(origin, 100.0, 52.0) > 3_000_000


def test_distance_to_the_nearest_of_several_origins_is_exact():
    """geodesic_m keeps only the plausible nearest origins before the exact WGS84 distance:
    the answer must equal the brute-force minimum over every origin."""
    rng = random.Random(87)
    for _ in range(200):
        lon, lat = rng.uniform(-5, 9), rng.uniform(41, 51)
        origins = [
            (lon + rng.uniform(-0.2, 0.2), lat + rng.uniform(-0.2, 0.2))
            for _ in range(rng.randint(1, 15))
        ]
        points = [
            (lon + rng.uniform(-1, 1), lat + rng.uniform(-1, 1)) for _ in range(rng.randint(1, 60))
        ]
        got = geodesic_m(origins, points)
        for (plon, plat), distance in zip(points, got, strict=True):
            brute = min(GEOD.inv(olon, olat, plon, plat)[2] for olon, olat in origins)
            assert abs(distance - brute) < 1e-6
