"""Planner downloads: access per commune and proposed stops as CSV, GeoJSON or GeoPackage.

Built with geopandas (GeoPackage written through pyogrio); geometries are the commune
polygons (access layer) and the stops' representative points (stops layer), WGS84.
"""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import geopandas as gpd
from shapely import from_geojson
from shapely.geometry import Point

from mapdir import csv_export

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
}
ACCESS_COLUMNS = (
    "code",
    "nom",
    "population",
    "epci",
    "canton",
    "offre_id",
    "offre_nom",
    "distance_km",
    "duree_estimee_min",
    "par_permanence",
    "classe",
)


def access_frame(
    rows: list[dict], polygons: dict[str, str] | None = None, columns=ACCESS_COLUMNS
) -> gpd.GeoDataFrame:
    """One row per commune; geometry = polygon when known, else the representative point."""
    records, geometries = [], []
    for row in rows:
        records.append({name: row.get(name) for name in columns})
        polygon = (polygons or {}).get(row["code"])
        geometries.append(
            from_geojson(polygon) if polygon else Point(row["point"]["lon"], row["point"]["lat"])
        )
    return gpd.GeoDataFrame(records, geometry=geometries, crs="EPSG:4326")


ACCESSIBILITY_COLUMNS = (
    "code",
    "nom",
    "population",
    "besoin",
    "besoin_estime",
    "epci",
    "canton",
    "point_source",
    "accessibilite",
    "classe",
    "offres_a_portee",
    "duree_min_plus_proche",
    "offre_plus_proche",
)


def accessibility_frame(rows: list[dict], polygons: dict[str, str] | None = None):
    """One row per commune with its accessibility columns; geometry as in access_frame."""
    return access_frame(rows, polygons, ACCESSIBILITY_COLUMNS)


def stops_frame(plan: dict) -> gpd.GeoDataFrame:
    """One row per proposed stop with its rota slot (empty slot fields when unscheduled)."""
    slots = {s["code"]: s for s in plan["tournee"]["creneaux"]}
    records, geometries = [], []
    for stop in plan["arrets"]:
        slot = slots.get(stop["code"], {})
        records.append(
            {
                "rang": stop["rang"],
                "code": stop["code"],
                "nom": stop["nom"],
                "gain_marginal": stop["gain_marginal"],
                "besoin_atteint": stop.get("besoin_atteint"),
                "accessibilite_avant": stop.get("accessibilite_avant"),
                "accessibilite_apres": stop.get("accessibilite_apres"),
                "communes_couvertes": "|".join(
                    f"{c['nom']} ({c['code']})" for c in stop["communes_nouvellement_couvertes"]
                ),
                "pourquoi": stop.get("phrase"),
                "jour": slot.get("jour"),
                "demi_journee": slot.get("demi_journee"),
                "semaine": slot.get("semaine"),
                "horaires": slot.get("horaires"),
            }
        )
        geometries.append(Point(stop["point"]["lon"], stop["point"]["lat"]))
    return gpd.GeoDataFrame(records, geometry=geometries, crs="EPSG:4326")


def to_bytes(
    frame: gpd.GeoDataFrame,
    fmt: str,
    layer: str = "couverture",
    dialect: csv_export.Dialect = csv_export.FRENCH_SPREADSHEET,
) -> bytes:
    """Serialise `frame` as csv (WKT-free, with lon/lat of a representative point; for a
    French spreadsheet by default: ';', decimal comma, BOM), geojson or gpkg."""
    if fmt == "csv":
        table = frame.drop(columns="geometry").copy()
        points = frame.geometry.representative_point()
        table["lon"] = points.x.round(6)
        table["lat"] = points.y.round(6)
        table = table.astype(object).where(table.notna(), None)
        return csv_export.to_bytes(list(table.columns), table.itertuples(index=False), dialect)
    if fmt == "geojson":
        return json.dumps(json.loads(frame.to_json(drop_id=True)), ensure_ascii=False).encode()
    if fmt == "gpkg":
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "export.gpkg"
            frame.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")
            return path.read_bytes()
    raise ValueError(f"Format inconnu : {fmt} (attendu : {', '.join(FORMATS)}).")


def read_back(data: bytes, fmt: str) -> gpd.GeoDataFrame:
    """Parse an export produced by `to_bytes` (tests, round trips)."""
    if fmt == "csv":
        import pandas as pd

        table = pd.read_csv(
            io.BytesIO(data),
            sep=";",
            decimal=",",
            encoding="utf-8-sig",
            dtype={"code": str, "epci": str, "canton": str},
        )
        return gpd.GeoDataFrame(
            table, geometry=gpd.points_from_xy(table["lon"], table["lat"]), crs="EPSG:4326"
        )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"export.{fmt}"
        path.write_bytes(data)
        return gpd.read_file(path, engine="pyogrio")
