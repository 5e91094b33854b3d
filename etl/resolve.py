"""Attach records to the reference geography by weighing the evidence they carry.

A place's commune is told by several fields that sources fill more or less well: the
INSEE code, the postcode (sometimes a CEDEX code, or an INSEE code typed in its place),
the commune's name (accents, "St", articles, "MARSEILLE 15"), the address text and the
point. No field is trusted alone: each gives votes to communes (``WEIGHTS``), the commune
with the most votes wins, and a place is rejected only when nothing places it in a
commune. Paris, Lyon and Marseille are decided as one commune first, then refined to the
municipal arrondissement that the fields designate (one rule, whatever the spelling).

The point is then checked against the chosen commune: inside (or near) its polygon, or,
without a polygon, within the commune's reach (``CommuneIndex.reach_km``). When the
coordinates contradict a commune that the fields agree on, the place is kept at the
commune's point with its precision recorded ("commune"), and the conflict is returned
for an animator. Every correction comes with a French note.

A ``CommuneIndex`` is built once per run from the database (points, postcodes, old codes,
La Poste localities, polygons in Lambert-93); the per-record work is pure Python.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Transformer
from rapidfuzz import fuzz, process
from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection

from etl.commune_names import locality_name, name_keys
from etl.placement import WEIGHTS, Placement, place_record  # noqa: F401 - re-exported
from etl.record import OfferRecord, Reject
from mapdir.db.rows import lon_lat
from mapdir.db.tables import code_postal, commune, commune_code_ancien
from mapdir.geo.geodesy import haversine_m
from mapdir.text import fr_number

MAX_KM_OUTSIDE_POLYGON = 5.0  # a point this far outside its commune's polygon contradicts it
REACH_MIN_KM, REACH_MAX_KM = 6.0, 150.0  # without a polygon: bounds of a reach (Guyane)
_TO_L93 = Transformer.from_crs(4326, 2154, always_xy=True)


@dataclass(frozen=True)
class CommuneRef:
    code: str
    nom: str
    departement: str
    lon: float | None
    lat: float | None
    population: int
    parent: str | None = None  # municipal arrondissement → its commune


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return haversine_m(lon1, lat1, lon2, lat2) / 1000


class CommuneIndex:
    def __init__(self, conn: Connection):
        self.communes: dict[str, CommuneRef] = {}
        self.by_postcode: dict[str, list[str]] = defaultdict(list)
        self.by_dep: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.names: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.arrondissements: dict[tuple[str, int], str] = {}
        self._point_codes: list[str] = []
        self._reach: dict[str, float] = {}
        c = commune.c
        for r in conn.execute(
            select(
                c.code,
                c.nom,
                c.departement,
                *lon_lat(c.point),
                func.coalesce(c.population, 0).label("population"),
                c.commune_parente,
                c.type,
            )
        ):
            arm = r.type == "arrondissement-municipal"
            ref = CommuneRef(
                r.code, r.nom, r.departement, r.lon, r.lat, r.population,
                r.commune_parente if arm else None,
            )  # fmt: skip
            self.communes[r.code] = ref
            self.by_dep[r.departement].append((r.code, r.nom))
            for key in name_keys(r.nom):
                self.names[r.departement][key].add(r.code)
            if arm:
                number = int("".join(ch for ch in r.nom.split()[1] if ch.isdigit()) or 0)
                self.arrondissements[(r.commune_parente, number)] = r.code
            elif r.lon is not None:
                self._point_codes.append(r.code)
        self.postcodes_of: dict[str, list[str]] = defaultdict(list)
        cp_c = code_postal.c
        for cp, code in conn.execute(
            select(cp_c.code_postal, cp_c.code_insee).order_by(cp_c.code_postal)
        ):
            self.by_postcode[cp].append(code)
            self.postcodes_of[code].append(cp)
        self.old_codes = dict(
            conn.execute(
                select(commune_code_ancien.c.code_ancien, commune_code_ancien.c.code_actuel)
            ).all()
        )
        self.localities: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for code, name in conn.execute(text("SELECT code_insee, nom FROM localite")):
            ref = self.communes.get(code)
            if ref is None:
                continue
            if len(name) >= 4:  # "WE", "IZY": too short to be told from words of a text
                self.localities[ref.departement].append((code, locality_name(name)))
            for key in name_keys(name):
                # a commune's own name wins over a locality of another commune
                if not self.names[ref.departement].get(key):
                    self.names[ref.departement][key].add(code)
        self.polygons: dict[str, shapely.Geometry] = {}
        lambert93 = func.ST_AsBinary(func.ST_Transform(c.geom, 2154))
        for code, wkb in conn.execute(select(c.code, lambert93).where(c.geom.is_not(None))):
            geom = shapely.from_wkb(bytes(wkb))
            shapely.prepare(geom)
            self.polygons[code] = geom
        refs = [self.communes[c] for c in self._point_codes]
        self._lons = np.array([r.lon for r in refs])
        self._lats = np.array([r.lat for r in refs])
        self._point_tree = shapely.STRtree(shapely.points(self._lons, self._lats))
        codes = list(self.polygons)
        self._polygon_codes = codes
        self._polygon_tree = shapely.STRtree([self.polygons[c] for c in codes])

    # -- lookups -------------------------------------------------------------------------
    def current_code(self, code: str | None) -> str | None:
        if not code:
            return None
        code = code.strip().upper()
        code = self.old_codes.get(code, code)
        return code if code in self.communes else None

    def commune_point(self, code: str) -> tuple[float, float] | None:
        ref = self.communes[code]
        return (ref.lon, ref.lat) if ref.lon is not None else None

    def departement_communes(self, dep: str) -> list[tuple[str, str]]:
        """(code, name) of a département's communes, then its La Poste localities (old
        and delegated communes such as Chambois in Gouffern en Auge)."""
        return self.by_dep.get(dep, []) + self.localities.get(dep, [])

    def _scoring_code(self, code: str) -> str:
        return self.communes[code].parent or code

    def nearest(self, lon: float, lat: float, radius_km: float) -> list[tuple[float, str]]:
        """(km, code) of the communes (not arrondissements) whose point lies within
        ``radius_km``, nearest first."""
        dlat = radius_km / 111.0
        dlon = radius_km / (111.0 * max(0.05, math.cos(math.radians(lat))))
        hits = self._point_tree.query(shapely.box(lon - dlon, lat - dlat, lon + dlon, lat + dlat))
        if not len(hits):
            return []
        km = haversine_m(lon, lat, self._lons[hits], self._lats[hits]) / 1000
        inside = km <= radius_km
        hits, km = hits[inside], km[inside]
        order = np.argsort(km)
        codes = self._point_codes
        return list(zip(km[order].tolist(), [codes[h] for h in hits[order].tolist()], strict=True))

    def reach_km(self, code: str) -> float:
        """How far from its point a commune without polygon may extend: twice the distance
        to its third nearest neighbour's point (large communes have far neighbours; with
        1.5 × a place of Dunkerque 6.7 km from the centre fell outside)."""
        if code not in self._reach:
            ref = self.communes[code]
            third = REACH_MAX_KM
            for radius in (15.0, 40.0, REACH_MAX_KM):  # most communes: a small search
                near = [km for km, c in self.nearest(ref.lon, ref.lat, radius) if c != code]
                if len(near) >= 3:
                    third = near[2]
                    break
            self._reach[code] = min(REACH_MAX_KM, max(REACH_MIN_KM, 2 * third))
        return self._reach[code]

    def containing(self, lon: float, lat: float) -> str | None:
        """The commune whose polygon holds the point, if any polygon does."""
        x, y = _TO_L93.transform(lon, lat)
        hits = self._polygon_tree.query(shapely.Point(x, y), predicate="within")
        return self._polygon_codes[hits[0]] if len(hits) else None

    def point_distance_km(self, code: str, lon: float, lat: float) -> float | None:
        """Distance from the point to the commune: its polygon (0 inside) or its point."""
        if code in self.polygons:
            x, y = _TO_L93.transform(lon, lat)
            return shapely.distance(self.polygons[code], shapely.Point(x, y)) / 1000
        ref = self.communes[code]
        return None if ref.lon is None else haversine_km(lon, lat, ref.lon, ref.lat)

    def point_fits(self, code: str, lon: float, lat: float) -> tuple[bool, float | None]:
        """Whether the point may lie in the commune, and its distance to it."""
        km = self.point_distance_km(code, lon, lat)
        if km is None:
            return True, None
        limit = MAX_KM_OUTSIDE_POLYGON if code in self.polygons else self.reach_km(code)
        return km <= limit, km

    def check_point(self, code: str, lon: float, lat: float) -> float:
        """Distance in km from the point to its commune; Reject when it contradicts it
        (kept for callers that have no commune point to fall back on)."""
        fits, km = self.point_fits(code, lon, lat)
        if not fits:
            raise Reject(
                f"coordonnées à {fr_number(km, 1)} km de la commune"
                f" {self.communes[code].nom} ({code})",
                "coordonnees_hors_commune",
            )
        return km or 0.0

    def match_name(self, keys: frozenset[str], deps: set[str]) -> tuple[set[str], bool]:
        """Communes of ``deps`` (all of France when empty: then only a unique name) named
        by ``keys``; and whether the match is exact."""
        scope = deps or set(self.names)
        found = {c for d in scope for k in keys for c in self.names[d].get(k, ())}
        if found:
            return (found if deps or len(found) == 1 else set()), True
        if not deps or not keys:
            return set(), False
        choices = {
            (d, name): name for d in deps for name in self.names[d] if name[:1] in
            {k[:1] for k in keys}
        }  # fmt: skip
        needle = max(keys, key=len)
        best = process.extractOne(needle, choices, scorer=fuzz.ratio, score_cutoff=90)
        if not best:
            return set(), False
        d, name = best[2]
        return set(self.names[d][name]), False

    # -- placement ------------------------------------------------------------------------
    def resolve(self, rec: OfferRecord) -> tuple[str, str | None]:
        """The record's INSEE code and its first fix code (see ``place``)."""
        placement = self.place(rec)
        return placement.code, (placement.fixes[0] if placement.fixes else None)

    def place(self, rec: OfferRecord) -> Placement:
        return place_record(self, rec)
