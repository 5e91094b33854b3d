"""The geocoder cache kept in PostGIS (table ``geocode_cache``), same protocol as the others."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from sqlalchemy import text
from sqlalchemy.engine import Connection

from etl.geocode import GeocodeResult


class PgGeocodeCache:
    def __init__(self, conn: Connection):
        self.conn = conn

    def get_many(self, keys: Iterable[str]) -> dict[str, GeocodeResult]:
        keys = list(keys)
        if not keys:
            return {}
        rows = self.conn.execute(
            text("SELECT cle, resultat FROM geocode_cache WHERE cle = ANY(:k)"), {"k": keys}
        )
        return {cle: GeocodeResult.from_dict(res) for cle, res in rows}

    def put_many(self, entries: Mapping[str, GeocodeResult]) -> None:
        if not entries:
            return
        self.conn.execute(
            text(
                "INSERT INTO geocode_cache (cle, resultat) VALUES (:k, CAST(:r AS jsonb))"
                " ON CONFLICT (cle) DO UPDATE SET resultat = EXCLUDED.resultat, created_at = now()"
            ),
            [{"k": k, "r": json.dumps(v.to_dict())} for k, v in entries.items()],
        )
