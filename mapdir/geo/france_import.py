"""The national level of the reference geography: every commune of France with its La Poste
point and postcodes, the former codes, the départements and the EPCI, in one transaction
of small steps (each an idempotent upsert), returning counts."""

from __future__ import annotations

import csv
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from mapdir.geo.files import LocalGeoFiles
from mapdir.geo.importer import ImportReport, Progress, copy_rows, pg_array
from mapdir.geo.readers import read_communes_csv, read_laposte_csv, reconcile
from mapdir.text import normalize_name

COMMUNE_COLUMNS = [
    "code", "nom", "nom_recherche", "type", "departement", "region", "arrondissement", "epci",
    "ept", "population", "commune_parente", "codes_postaux", "lon", "lat", "point_source",
]  # fmt: skip
UPSERT_COMMUNES = """
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
        count, without_point = _upsert_communes(conn, communes, rec)
        report.counts["communes"] = count
        report.counts["communes sans point"] = len(without_point)
        report.counts["codes postaux (couples)"] = _replace_postcodes(conn, rec)
        report.counts["anciens codes rattachés"] = _replace_old_codes(conn, rec)
        report.counts["lignes La Poste signalées"] = _record_anomalies(
            conn, rec, bad_rows, without_point
        )
        report.counts["départements"] = _upsert_departements(conn, communes)
        epci_path = files.epci_csv()
        if epci_path:
            report.counts["EPCI"] = _import_epci_csv(conn, epci_path)
    return report


def _upsert_communes(conn: Connection, communes: dict, rec: Any) -> tuple[int, list[str]]:
    """Upsert the communes (a commune placed by its polygon keeps that point); returns how
    many and the codes of those without a point."""
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
                c["code"], c["nom"], normalize_name(c["nom"]), c["type"], c["departement"],
                c["region"], c["arrondissement"], c["epci"], c["ept"], c["population"],
                c["commune_parente"], pg_array(c["codes_postaux"]),
                pt[0] if pt else None, pt[1] if pt else None, rec.point_sources.get(c["code"]),
            )
        )  # fmt: skip
    copy_rows(conn, "tmp_commune", COMMUNE_COLUMNS, rows)
    result = conn.execute(text(UPSERT_COMMUNES))
    return result.rowcount, [r[0] for r in rows if r[12] is None]


def _replace_postcodes(conn: Connection, rec: Any) -> int:
    """The (postcode, commune) pairs of the national files (those of the contours stay)."""
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
    copy_rows(conn, "tmp_cp", ["code_postal", "code_insee", "libelle", "source"], cp_rows)
    res = conn.execute(
        text(
            "INSERT INTO code_postal (code_postal, code_insee, libelle_acheminement, source)"
            " SELECT code_postal, code_insee, libelle, source FROM tmp_cp"
            " ON CONFLICT (code_postal, code_insee) DO UPDATE SET"
            " libelle_acheminement = COALESCE(EXCLUDED.libelle_acheminement,"
            " code_postal.libelle_acheminement), source = EXCLUDED.source"
        )
    )
    return res.rowcount


def _replace_old_codes(conn: Connection, rec: Any) -> int:
    """Former commune codes → the current commune."""
    conn.execute(text("DELETE FROM commune_code_ancien"))
    for old, (target, nom, method) in rec.old_codes.items():
        conn.execute(
            text(
                "INSERT INTO commune_code_ancien"
                " (code_ancien, code_actuel, nom_ancien, methode) VALUES (:o, :t, :n, :m)"
            ),
            {"o": old, "t": target, "n": nom, "m": method},
        )
    return len(rec.old_codes)


def _record_anomalies(conn: Connection, rec: Any, bad_rows: list, without_point: list[str]) -> int:
    """La Poste lines that could not be used, and communes without a point, with a reason;
    returns the count of La Poste lines."""
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
    conn.execute(text("DELETE FROM geo_import_anomalie WHERE fichier = 'communes'"))
    for code in without_point:
        conn.execute(
            text(
                "INSERT INTO geo_import_anomalie (fichier, code, motif) VALUES ('communes', :c, :m)"
            ),
            {"c": code, "m": "commune sans point (absente du fichier La Poste)"},
        )
    return len(anomalies)


def _upsert_departements(conn: Connection, communes: dict) -> int:
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
    return len(deps)


def _import_epci_csv(conn: Connection, path) -> int:
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
