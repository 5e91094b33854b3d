"""Where an edited address lies: one BAN lookup (mapdir.geo.geocoder) per saved form."""

from __future__ import annotations

from mapdir.config import Settings
from mapdir.editing.services import GeocodeHook
from mapdir.geo.geocode_cache import MemoryGeocodeCache
from mapdir.geo.geocoder import GeocodeQuery, GeocoderError, ban_geocoder


def address_locator(settings: Settings) -> GeocodeHook:
    """A GeocodeHook over BAN: (lon, lat, precision) of an accepted answer, else None (the
    caller then uses the commune's point). Short timeouts: a person waits for the page."""
    geocoder = ban_geocoder(settings, MemoryGeocodeCache(), timeout=(3.0, 10.0), retry_delay=0.5)

    def locate(adresse, code_postal, code_insee, commune):
        try:
            outcome = geocoder.geocode(
                [GeocodeQuery("o", adresse, code_postal, code_insee, commune)]
            )["o"]
        except GeocoderError:
            return None
        if outcome.accepted:
            return outcome.longitude, outcome.latitude, outcome.precision
        return None

    return locate
