"""Attach records to the reference geography: resolve the commune, check the point.

A ``CommuneIndex`` is built once per run from the database (points, postcodes, old codes,
polygons in Lambert-93) and then answers in memory, so the per-record work is pure Python.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import shapely
from pyproj import Transformer
from rapidfuzz import fuzz, process
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from etl.record import OfferRecord, Reject
from mapdir.db.rows import lon_lat
from mapdir.db.tables import code_postal, commune, commune_code_ancien
from mapdir.geo.geodesy import haversine_m
from mapdir.text import normalize_name

MAX_KM_OUTSIDE_POLYGON = 5.0  # a point this far outside its commune's polygon is rejected
MAX_KM_FROM_COMMUNE_POINT = 30.0  # without a polygon: distance to the commune's point
_TO_L93 = Transformer.from_crs(4326, 2154, always_xy=True)


@dataclass(frozen=True)
class CommuneRef:
    code: str
    nom: str
    departement: str
    lon: float | None
    lat: float | None
    population: int


class CommuneIndex:
    def __init__(self, conn: Connection):
        self.communes: dict[str, CommuneRef] = {}
        self.by_postcode: dict[str, list[str]] = defaultdict(list)
        self.by_dep: dict[str, list[tuple[str, str]]] = defaultdict(list)
        c = commune.c
        for r in conn.execute(
            select(
                c.code,
                c.nom,
                c.departement,
                *lon_lat(c.point),
                func.coalesce(c.population, 0).label("population"),
            )
        ):
            self.communes[r.code] = CommuneRef(
                r.code, r.nom, r.departement, r.lon, r.lat, r.population
            )
            self.by_dep[r.departement].append((r.code, r.nom))
        for cp, code in conn.execute(select(code_postal.c.code_postal, code_postal.c.code_insee)):
            self.by_postcode[cp].append(code)
        self.old_codes = dict(
            conn.execute(
                select(commune_code_ancien.c.code_ancien, commune_code_ancien.c.code_actuel)
            ).all()
        )
        self.polygons: dict[str, shapely.Geometry] = {}
        lambert93 = func.ST_AsBinary(func.ST_Transform(c.geom, 2154))
        for code, wkb in conn.execute(select(c.code, lambert93).where(c.geom.is_not(None))):
            geom = shapely.from_wkb(bytes(wkb))
            shapely.prepare(geom)
            self.polygons[code] = geom

    # -- commune -----------------------------------------------------------------
    def current_code(self, code: str | None) -> str | None:
        if not code:
            return None
        code = code.strip().upper()
        code = self.old_codes.get(code, code)
        return code if code in self.communes else None

    def resolve(self, rec: OfferRecord) -> tuple[str, str | None]:
        """The record's INSEE code, and a fix code when it was inferred."""
        if rec.code_insee:
            code = self.current_code(rec.code_insee)
            if code:
                return code, ("code_insee_ancien" if code != rec.code_insee.strip() else None)
            if not rec.code_postal:
                raise Reject(f"code commune inconnu : {rec.code_insee}", "commune_inconnue")
        if rec.code_postal:
            candidates = sorted(set(self.by_postcode.get(rec.code_postal, [])))
            if not candidates:
                raise Reject(f"code postal inconnu : {rec.code_postal}", "code_postal_inconnu")
            if len(candidates) == 1:
                return candidates[0], "commune_depuis_code_postal"
            by_name = self._best_name(rec.commune, candidates)
            if by_name:
                return by_name, "commune_depuis_code_postal"
            if rec.latitude is not None and rec.longitude is not None:
                nearest = min(
                    (c for c in candidates if self.communes[c].lon is not None),
                    key=lambda c: haversine_m(
                        rec.longitude, rec.latitude, self.communes[c].lon, self.communes[c].lat
                    ),
                    default=None,
                )
                if nearest:
                    return nearest, "commune_depuis_coordonnees"
            if not rec.commune:
                # no name to choose with: the most populated commune of the postcode, flagged
                # (geocoding, when available, then corrects it from the address)
                best = max(candidates, key=lambda c: (self.communes[c].population, c))
                return best, "commune_incertaine"
            raise Reject(
                f"commune ambiguë : le code postal {rec.code_postal} couvre"
                f" {len(candidates)} communes et « {rec.commune or ''} » n'en désigne aucune",
                "commune_ambigue",
            )
        raise Reject("ni code commune ni code postal", "commune_inconnue")

    def _best_name(self, name: str | None, candidates: list[str]) -> str | None:
        if not name:
            return None
        needle = normalize_name(name.replace("CEDEX", "").replace("Cedex", ""))
        needle = needle.replace(" cedex", "").strip()
        choices = {c: normalize_name(self.communes[c].nom) for c in candidates}
        # "marseille 11" → "marseille 11e arrondissement"
        for code, cname in choices.items():
            if (
                cname == needle
                or cname.startswith(needle + "e ")
                or cname.startswith(needle + "er ")
            ):
                return code
        best = process.extractOne(needle, choices, scorer=fuzz.token_sort_ratio, score_cutoff=85)
        return best[2] if best else None

    # -- point -------------------------------------------------------------------
    def check_point(self, code: str, lon: float, lat: float) -> float:
        """Distance in km from the point to its commune (0 inside); Reject when too far."""
        if code in self.polygons:
            x, y = _TO_L93.transform(lon, lat)
            km = shapely.distance(self.polygons[code], shapely.Point(x, y)) / 1000
            limit = MAX_KM_OUTSIDE_POLYGON
        else:
            ref = self.communes[code]
            if ref.lon is None:
                return 0.0
            km = haversine_m(lon, lat, ref.lon, ref.lat) / 1000.0
            limit = MAX_KM_FROM_COMMUNE_POINT
        if km > limit:
            raise Reject(
                f"coordonnées à {km:.1f} km de la commune {self.communes[code].nom} ({code})",
                "coordonnees_hors_commune",
            )
        return km

    def commune_point(self, code: str) -> tuple[float, float] | None:
        ref = self.communes[code]
        return (ref.lon, ref.lat) if ref.lon is not None else None

    def departement_communes(self, dep: str) -> list[tuple[str, str]]:
        return self.by_dep.get(dep, [])
