"""Load the reference geography into PostGIS: the national level, then polygons per département.

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
    read_communes_csv,
    read_geojson,
    read_laposte_csv,
    reconcile,
)
from mapdir.text import normalize_name

Progress = Callable[[str], None]


@dataclass
class ImportReport:
    counts: dict[str, int] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return ", ".join(f"{k} : {v}" for k, v in self.counts.items())


def _copy_rows(conn: Connection, table: str, columns: list[str], rows: list[tuple]) -> None:
    raw = conn.connection.driver_connection
    with raw.cursor() as cur:
        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _pg_array(values: list[str]) -> str:
    return "{" + ",".join(values) + "}"


def import_france(engine: Engine, files: LocalGeoFiles, progress: Progress = print) -> ImportReport:
    """Every commune of France with its La Poste point and postcodes; EPCI and départements."""
    report = ImportReport()
    communes_path, laposte_path = files.communes_csv(), files.laposte_csv()
    progress(f"Lecture de {communes_path.name}…")
    communes = read_communes_csv(communes_path)
    progress(f"Lecture de {laposte_path.name}…")
    laposte, bad_rows = read_laposte_csv(laposte_path)
    rec = reconcile(communes, laposte)

    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TEMP TABLE tmp_commune (code text, nom text, nom_recherche text, type text,"
                " departement text, region text, arrondissement text, epci text, ept text,"
                " population int, commune_parente text, codes_postaux text, lon float8,"
                " lat float8, point_source text) ON COMMIT DROP"
            )
        )
        rows = []
        for c in communes.values():
            pt = rec.points.get(c["code"])
            rows.append(
                (
                    c["code"],
                    c["nom"],
                    normalize_name(c["nom"]),
                    c["type"],
                    c["departement"],
                    c["region"],
                    c["arrondissement"],
                    c["epci"],
                    c["ept"],
                    c["population"],
                    c["commune_parente"],
                    _pg_array(c["codes_postaux"]),
                    pt[0] if pt else None,
                    pt[1] if pt else None,
                    rec.point_sources.get(c["code"]),
                )
            )
        _copy_rows(
            conn,
            "tmp_commune",
            [
                "code",
                "nom",
                "nom_recherche",
                "type",
                "departement",
                "region",
                "arrondissement",
                "epci",
                "ept",
                "population",
                "commune_parente",
                "codes_postaux",
                "lon",
                "lat",
                "point_source",
            ],
            rows,
        )
        result = conn.execute(
            text(
                """
                INSERT INTO commune AS c (code, nom, nom_recherche, type, departement, region,
                    arrondissement, epci, ept, population, commune_parente, codes_postaux,
                    point, point_source, updated_at)
                SELECT code, nom, nom_recherche, type, departement, region, arrondissement,
                    epci, ept, population, commune_parente, codes_postaux::varchar(5)[],
                    CASE WHEN lon IS NULL THEN NULL
                         ELSE ST_SetSRID(ST_MakePoint(lon, lat), 4326) END,
                    point_source, now()
                FROM tmp_commune
                ON CONFLICT (code) DO UPDATE SET
                    nom = EXCLUDED.nom, nom_recherche = EXCLUDED.nom_recherche,
                    type = EXCLUDED.type, departement = EXCLUDED.departement,
                    region = EXCLUDED.region, arrondissement = EXCLUDED.arrondissement,
                    epci = EXCLUDED.epci, ept = EXCLUDED.ept, population = EXCLUDED.population,
                    commune_parente = EXCLUDED.commune_parente,
                    codes_postaux = EXCLUDED.codes_postaux,
                    point = CASE WHEN c.point_source = 'polygone' THEN c.point
                                 ELSE EXCLUDED.point END,
                    point_source = CASE WHEN c.point_source = 'polygone' THEN c.point_source
                                        ELSE EXCLUDED.point_source END,
                    updated_at = now()
                """
            )
        )
        report.counts["communes"] = result.rowcount
        report.counts["communes sans point"] = sum(1 for r in rows if r[12] is None)

        conn.execute(text("DELETE FROM code_postal WHERE source <> 'contours'"))
        cp_rows = [
            (cp, code, v["libelle"], "+".join(sorted(v["sources"])))
            for (cp, code), v in rec.postcodes.items()
        ]
        conn.execute(
            text(
                "CREATE TEMP TABLE tmp_cp (code_postal text, code_insee text, libelle text,"
                " source text) ON COMMIT DROP"
            )
        )
        _copy_rows(conn, "tmp_cp", ["code_postal", "code_insee", "libelle", "source"], cp_rows)
        res = conn.execute(
            text(
                "INSERT INTO code_postal (code_postal, code_insee, libelle_acheminement, source)"
                " SELECT code_postal, code_insee, libelle, source FROM tmp_cp"
                " ON CONFLICT (code_postal, code_insee) DO UPDATE SET"
                " libelle_acheminement = COALESCE(EXCLUDED.libelle_acheminement,"
                " code_postal.libelle_acheminement), source = EXCLUDED.source"
            )
        )
        report.counts["codes postaux (couples)"] = res.rowcount

        conn.execute(text("DELETE FROM commune_code_ancien"))
        for old, (target, nom, method) in rec.old_codes.items():
            conn.execute(
                text(
                    "INSERT INTO commune_code_ancien"
                    " (code_ancien, code_actuel, nom_ancien, methode) VALUES (:o, :t, :n, :m)"
                ),
                {"o": old, "t": target, "n": nom, "m": method},
            )
        report.counts["anciens codes rattachés"] = len(rec.old_codes)

        conn.execute(text("DELETE FROM geo_import_anomalie WHERE fichier = :f"), {"f": "laposte"})
        anomalies = [(code, reason, raw) for code, raw, reason in rec.unmapped]
        anomalies += [(None, reason, raw) for raw, reason in bad_rows]
        for code, reason, raw in anomalies:
            conn.execute(
                text(
                    "INSERT INTO geo_import_anomalie (fichier, code, motif, ligne)"
                    " VALUES ('laposte', :c, :m, :l)"
                ),
                {"c": code, "m": reason, "l": raw},
            )
        report.counts["lignes La Poste signalées"] = len(anomalies)
        conn.execute(text("DELETE FROM geo_import_anomalie WHERE fichier = 'communes'"))
        for r in rows:
            if r[12] is None:
                conn.execute(
                    text(
                        "INSERT INTO geo_import_anomalie (fichier, code, motif)"
                        " VALUES ('communes', :c, :m)"
                    ),
                    {"c": r[0], "m": "commune sans point (absente du fichier La Poste)"},
                )

        deps: dict[str, tuple[str, str | None]] = {}
        for c in communes.values():
            if c["nom_departement"]:
                deps[c["departement"]] = (c["nom_departement"], c["region"])
        for code, (nom, region) in deps.items():
            conn.execute(
                text(
                    "INSERT INTO departement (code, nom, region) VALUES (:c, :n, :r)"
                    " ON CONFLICT (code) DO UPDATE SET nom = EXCLUDED.nom, region = EXCLUDED.region"
                ),
                {"c": code, "n": nom, "r": region},
            )
        report.counts["départements"] = len(deps)

        epci_path = files.epci_csv()
        if epci_path:
            report.counts["EPCI"] = _import_epci_csv(conn, epci_path)
    return report


def _import_epci_csv(conn: Connection, path) -> int:
    import csv

    n = 0
    with open(path, newline="", encoding="utf-8-sig") as fh:
        for r in csv.DictReader(fh):
            pop = (r.get("population_municipale") or "").strip()
            nb = (r.get("nb_communes") or "").strip()
            conn.execute(
                text(
                    "INSERT INTO epci (siren, nom, type, population, nb_communes, membres)"
                    " VALUES (:s, :n, :t, :p, :nb, :m)"
                    " ON CONFLICT (siren) DO UPDATE SET nom = EXCLUDED.nom, type = EXCLUDED.type,"
                    " population = EXCLUDED.population, nb_communes = EXCLUDED.nb_communes,"
                    " membres = EXCLUDED.membres"
                ),
                {
                    "s": r["siren"],
                    "n": r["nom"],
                    "t": r.get("type"),
                    "p": int(pop) if pop.isdigit() else None,
                    "nb": int(nb) if nb.isdigit() else None,
                    "m": [c for c in (r.get("communes_insee") or "").split("|") if c],
                },
            )
            n += 1
    return n


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
