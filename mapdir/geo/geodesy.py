"""Distances on the Earth, one home: the great circle (haversine, arguments lon first) and the
exact WGS84 ellipsoid (the ellipsoid of PostGIS geography and of the distances the answers
give), with the refinement that computes the exact distance only where it can matter.

The refinement: great-circle and ellipsoidal distances differ by less than 0.6 %, so the
ellipsoidal nearest of a set lies among the points whose great-circle angle is within
1.2 % (SPHERE_MARGIN) of the smallest one; only those get pyproj's (slower) exact distance.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from pyproj import Geod

#: mean Earth radius (IUGG), the sphere of every great-circle distance here and in SQL
EARTH_RADIUS_M = 6_371_008.8
GEOD = Geod(ellps="WGS84")
#: great-circle angles within this factor of the nearest one hold the ellipsoidal nearest
SPHERE_MARGIN = 1.012


def central_angle(lon0: ArrayLike, lat0: ArrayLike, lon1: ArrayLike, lat1: ArrayLike):
    """Great-circle angle (radians) between points given in degrees (haversine); numpy
    arrays broadcast."""
    lon0, lat0, lon1, lat1 = (np.radians(a) for a in (lon0, lat0, lon1, lat1))
    hav = (
        np.sin((lat1 - lat0) / 2) ** 2
        + np.cos(lat0) * np.cos(lat1) * np.sin((lon1 - lon0) / 2) ** 2
    )
    return 2 * np.arcsin(np.sqrt(np.minimum(hav, 1.0)))


def haversine_m(
    lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike
) -> float | np.ndarray:
    """Great-circle distance in metres between points in degrees, longitude first; plain
    numbers give a float (math module: the dedup scores millions of pairs), numpy arrays
    broadcast."""
    if all(isinstance(v, int | float) for v in (lon1, lat1, lon2, lat2)):
        phi1, phi2 = math.radians(lat1), math.radians(lat2)
        hav = (
            math.sin((phi2 - phi1) / 2) ** 2
            + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
        )
        return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(hav)))
    lon1, lat1, lon2, lat2 = (np.asarray(v, dtype=float) for v in (lon1, lat1, lon2, lat2))
    distance = EARTH_RADIUS_M * central_angle(lon1, lat1, lon2, lat2)
    return float(distance) if distance.ndim == 0 else distance


def near_nearest(angle: np.ndarray, nearest: ArrayLike) -> np.ndarray:
    """Mask of the great-circle ``angle`` values that may hold the ellipsoidal nearest,
    ``nearest`` being the smallest angle of each one's set (broadcast)."""
    return angle <= np.asarray(nearest) * SPHERE_MARGIN + 1e-12


def ellipsoid_m(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike) -> np.ndarray:
    """Exact WGS84 distances in metres (pyproj), element by element."""
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


def geodesic_m(
    origins: list[tuple[float, float]], points: list[tuple[float, float]]
) -> list[float]:
    """Distance in metres on the WGS84 ellipsoid from each (lon, lat) point to the nearest
    (lon, lat) origin."""
    if not points:
        return []
    pts = np.asarray(points, dtype=float)
    orig = np.asarray(origins, dtype=float)
    if len(orig) == 1:
        dist = ellipsoid_m(
            np.full(len(pts), orig[0, 0]), np.full(len(pts), orig[0, 1]), pts[:, 0], pts[:, 1]
        )
        return dist.tolist()
    # several origins (a postcode's communes): only the pairs near each point's nearest
    angle = central_angle(orig[:, 0][:, None], orig[:, 1][:, None], pts[:, 0][None, :],
                          pts[:, 1][None, :])  # fmt: skip
    keep_o, keep_p = np.nonzero(near_nearest(angle, angle.min(axis=0)))
    dist = ellipsoid_m(orig[keep_o, 0], orig[keep_o, 1], pts[keep_p, 0], pts[keep_p, 1])
    best = np.full(len(pts), np.inf)
    np.minimum.at(best, keep_p, dist)
    return best.tolist()
