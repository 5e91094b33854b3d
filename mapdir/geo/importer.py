"""Load the reference geography into PostGIS, polygons per département (the national level
is mapdir.geo.france_import); what both imports share: the report, COPY.

Both imports are idempotent upserts run in one transaction each, and return counts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from mapdir.errors import InvalidParameter
from mapdir.geo.files import LocalGeoFiles
from mapdir.geo.readers import (
    commune_properties,
    read_geojson,
)

Progress = Callable[[str], None]


@dataclass
class ImportReport:
    counts: dict[str, int] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return ", ".join(f"{k} : {v}" for k, v in self.counts.items())


def copy_rows(conn: Connection, table: str, columns: list[str], rows: list[tuple]) -> None:
    raw = conn.connection.driver_connection
    with raw.cursor() as cur:
        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def pg_array(values: list[str]) -> str:
    return "{" + ",".join(values) + "}"


def normalize_departement(dep: str) -> str:
    dep = (dep or "").strip().upper()
    if len(dep) == 1 and dep.isdigit():
        dep = "0" + dep
    valid = (len(dep) == 2 and (dep.isdigit() or dep in ("2A", "2B"))) or (
        len(dep) == 3 and dep.isdigit() and dep.startswith("97")
    )
    if not valid:
        raise InvalidParameter(
            f"Code de département invalide : « {dep} » (ex. 87, 2A, 974).",
            parametre="departement",
        )
    return dep


_GEOM_SQL = (
    "ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326)), 3))"
)


def import_departement(
    engine: Engine, files: LocalGeoFiles, dep: str, progress: Progress = print
) -> ImportReport:
    """Polygons of one département: communes (with an inner point), EPCI, cantons."""
    dep = normalize_departement(dep)
    report = ImportReport()
    path = files.communes_geojson(dep)
    progress(f"Lecture de {path.name}…")
    features = read_geojson(path)
    with engine.begin() as conn:
        n = 0
        for f in features:
            props = commune_properties(f.get("properties") or {})
            if not props["code"] or not f.get("geometry"):
                report.messages.append(f"commune sans code ou sans contour ignorée : {props}")
                continue
            conn.execute(
                text(
                    f"""
                    INSERT INTO commune AS c (code, nom, nom_recherche, type, departement, region,
                        arrondissement, epci, ept, population, codes_postaux, geom, point,
                        point_source, updated_at)
                    VALUES (:code, :nom, :nom_recherche, 'commune-actuelle', :departement,
                        :region, :arrondissement, :epci, :ept, :population, :cps,
                        {_GEOM_SQL}, NULL, 'polygone', now())
                    ON CONFLICT (code) DO UPDATE SET
                        geom = EXCLUDED.geom,
                        epci = COALESCE(EXCLUDED.epci, c.epci),
                        population = COALESCE(EXCLUDED.population, c.population),
                        point_source = 'polygone', updated_at = now()
                    """
                ),
                {**props, "cps": props["codes_postaux"], "g": json.dumps(f["geometry"])},
            )
            for cp in props["codes_postaux"]:
                conn.execute(
                    text(
                        "INSERT INTO code_postal (code_postal, code_insee, source)"
                        " VALUES (:cp, :code, 'contours') ON CONFLICT DO NOTHING"
                    ),
                    {"cp": cp, "code": props["code"]},
                )
            n += 1
        conn.execute(
            text(
                "UPDATE commune SET point = ST_PointOnSurface(geom) "
                "WHERE departement = :d AND geom IS NOT NULL"
            ),
            {"d": dep},
        )
        report.counts["communes (contours)"] = n

        report.counts["EPCI (contours)"] = _import_epci_polygons(conn, files, dep)
        report.counts["cantons"] = _import_cantons(conn, files, dep)
        report.counts["département (contour)"] = _import_departement_polygon(conn, files, dep)
    return report


def _import_epci_polygons(conn: Connection, files: LocalGeoFiles, dep: str) -> int:
    n = 0
    for path in files.epci_geojson(dep):
        for f in read_geojson(path):
            p: dict[str, Any] = f.get("properties") or {}
            deps = p.get("departements") or p.get("codesDepartements") or [dep]
            if dep not in deps or not f.get("geometry"):
                continue
            conn.execute(
                text(
                    f"""
                    INSERT INTO epci (siren, nom, type, population, nb_communes, geom)
                    VALUES (:s, :n, :t, :p, :nb, {_GEOM_SQL})
                    ON CONFLICT (siren) DO UPDATE SET geom = EXCLUDED.geom,
                        nom = EXCLUDED.nom, type = COALESCE(EXCLUDED.type, epci.type)
                    """
                ),
                {
                    "s": p.get("code"),
                    "n": p.get("nom"),
                    "t": p.get("type"),
                    "p": p.get("populationMunicipale") or p.get("population"),
                    "nb": p.get("nb_communes"),
                    "g": json.dumps(f["geometry"]),
                },
            )
            n += 1
    # members from the communes themselves (covers EPCI and EPT)
    conn.execute(
        text(
            """
            UPDATE epci e SET membres = m.codes FROM (
                SELECT x.siren, array_agg(c.code ORDER BY c.code)::varchar(5)[] AS codes
                FROM epci x JOIN commune c ON c.epci = x.siren OR c.ept = x.siren
                WHERE x.siren IN (SELECT epci FROM commune WHERE departement = :d
                                  UNION SELECT ept FROM commune WHERE departement = :d)
                GROUP BY x.siren) m
            WHERE e.siren = m.siren
            """
        ),
        {"d": dep},
    )
    return n


def _import_cantons(conn: Connection, files: LocalGeoFiles, dep: str) -> int:
    path = files.cantons_geojson(dep)
    if not path:
        return 0
    n = 0
    for f in read_geojson(path):
        p = f.get("properties") or {}
        if not f.get("geometry") or not p.get("code"):
            continue
        conn.execute(
            text(
                f"""
                INSERT INTO canton (code, nom, departement, geom)
                VALUES (:c, :n, :d, {_GEOM_SQL})
                ON CONFLICT (code) DO UPDATE SET nom = EXCLUDED.nom, geom = EXCLUDED.geom
                """
            ),
            {
                "c": p["code"],
                "n": p.get("nom") or p["code"],
                "d": dep,
                "g": json.dumps(f["geometry"]),
            },
        )
        n += 1
    conn.execute(
        text(
            """
            UPDATE commune c SET canton = k.code FROM canton k
            WHERE c.departement = :d AND k.departement = :d AND ST_Contains(k.geom, c.point)
            """
        ),
        {"d": dep},
    )
    return n


def _import_departement_polygon(conn: Connection, files: LocalGeoFiles, dep: str) -> int:
    path = files.departements_geojson()
    if not path:
        return 0
    for f in read_geojson(path):
        p = f.get("properties") or {}
        code = p.get("insee_dep") or p.get("code")
        if code != dep or not f.get("geometry"):
            continue
        conn.execute(
            text(
                f"""
                INSERT INTO departement (code, nom, geom) VALUES (:c, :n, {_GEOM_SQL})
                ON CONFLICT (code) DO UPDATE SET geom = EXCLUDED.geom
                """
            ),
            {
                "c": dep,
                "n": p.get("lib_dep") or p.get("nom") or dep,
                "g": json.dumps(f["geometry"]),
            },
        )
        return 1
    return 0
