"""Coordinates: numbers written either way, a point that must lie in France."""

from __future__ import annotations

import math
import re

from etl.record import Reject
from mapdir.text import flush_tiny

# (south, north, west, east) boxes, generous by a few km.
FRANCE_BOXES: dict[str, tuple[float, float, float, float]] = {
    "France métropolitaine": (42.2, 51.2, -5.4, 8.3),
    "Corse": (41.3, 43.1, 8.5, 9.6),
    "Guadeloupe": (15.8, 16.6, -61.9, -60.9),
    "Martinique": (14.35, 14.9, -61.3, -60.8),
    "Guyane": (2.1, 5.8, -54.7, -51.5),
    "La Réunion": (-21.45, -20.85, 55.2, 55.9),
    "Mayotte": (-13.05, -12.6, 44.95, 45.35),
    # Saint-Martin / Saint-Barthélemy use Guadeloupe's postcodes (971xx)
    "Saint-Martin et Saint-Barthélemy": (17.85, 18.15, -63.2, -62.75),
}


def in_france(latitude: float, longitude: float) -> bool:
    """Whether the point falls in one of the boxes of France (metropolitan, Corsica, DROM)."""
    return any(s <= latitude <= n and w <= longitude <= e for s, n, w, e in FRANCE_BOXES.values())


def parse_float(value: object) -> float | None:
    """A float from a number or a string ("45.8", "45,8"); None when not a number; tiny
    magnitudes are 0.0 (mapdir.text.flush_tiny: a stored 5e-324 breaks PostgreSQL's maths)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
        return flush_tiny(number) if math.isfinite(number) else None
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if re.fullmatch(r"-?\d+,\d+", text):
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return flush_tiny(number) if math.isfinite(number) else None


def clean_coordinates(
    latitude: object, longitude: object
) -> tuple[float | None, float | None, bool]:
    """Parse a lat/lon pair and check it lies in France.

    Missing or unparsable (or 0,0) → (None, None), counted as a fix when something was
    given. Outside every box of France but inside once swapped → swapped (fix). Outside
    both ways → ``Reject("coordonnées hors de France")``.
    """
    lat, lon = parse_float(latitude), parse_float(longitude)
    given = any(str(v).strip() not in ("", "None") for v in (latitude, longitude))
    if lat is None or lon is None or (lat == 0 and lon == 0):
        return None, None, given
    if in_france(lat, lon):
        return lat, lon, False
    if in_france(lon, lat):
        return lon, lat, True
    raise Reject("coordonnées hors de France", "hors_france")
