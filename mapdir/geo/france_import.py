"""The national level of the reference geography: every commune of France with its La Poste
point and postcodes, the former codes, the départements and the EPCI, in one transaction
of small steps (each an idempotent upsert), returning counts."""

from __future__ import annotations

import csv
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    case,
    cast,
    delete,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.engine import Connection, Engine

from mapdir.db.rows import wgs84_point
from mapdir.db.tables import (
    code_postal,
    commune,
    commune_code_ancien,
    departement,
    epci,
    geo_import_anomalie,
)
from mapdir.geo.files import LocalGeoFiles
from mapdir.geo.importer import ImportReport, Progress, copy_rows, pg_array
from mapdir.geo.localities import localities, store_localities
from mapdir.geo.readers import read_communes_csv, read_laposte_csv, reconcile
from mapdir.text import normalize_name

#: the national files' communes, staged by COPY before one upsert (dropped at commit)
_staged_communes = Table(
    "tmp_commune",
    MetaData(),
    *(Column(name, Text) for name in ("code", "nom", "nom_recherche", "type", "departement")),
    *(Column(name, Text) for name in ("region", "arrondissement", "epci", "ept")),
    Column("population", Integer),
    Column("commune_parente", Text),
    Column("codes_postaux", Text),  # a PostgreSQL array literal, cast on the way in
    Column("lon", Float(53)),
    Column("lat", Float(53)),
    Column("point_source", Text),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)
#: the national files' (postcode, commune) pairs, staged the same way
_staged_postcodes = Table(
    "tmp_cp",
    MetaData(),
    *(Column(name, Text) for name in ("code_postal", "code_insee", "libelle", "source")),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)
COMMUNE_COLUMNS = [column.name for column in _staged_communes.c]


def _upsert_staged_communes() -> Any:
    """Insert or update every staged commune; one placed by its polygon keeps that point."""
    t = _staged_communes.c
    names = [n for n in COMMUNE_COLUMNS if n not in ("codes_postaux", "lon", "lat")]
    row = insert(commune).from_select(
        [*names, "codes_postaux", "point", "updated_at"],
        select(
            *(t[n] for n in names),
            cast(t.codes_postaux, ARRAY(String(5))),
            wgs84_point(t.lon, t.lat),
            func.now(),
        ),
    )
    by_polygon = commune.c.point_source == "polygone"
    replaced = ("nom", "nom_recherche", "type", "departement", "region", "arrondissement")
    replaced += ("epci", "ept", "population", "commune_parente", "codes_postaux")
    upsert = row.on_conflict_do_update(
        index_elements=[commune.c.code],
        set_={
            **{n: row.excluded[n] for n in replaced},
            "point": case((by_polygon, commune.c.point), else_=row.excluded.point),
            "point_source": case(
                (by_polygon, commune.c.point_source), else_=row.excluded.point_source
            ),
            "updated_at": func.now(),
        },
    )
    return upsert.execution_options(preserve_rowcount=True)  # the count of the report


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
        found = localities(laposte, communes, rec.old_codes)
        report.counts["localités (lieux-dits, communes déléguées)"] = store_localities(conn, found)
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
    _staged_communes.create(conn)
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
    result = conn.execute(_upsert_staged_communes())
    return result.rowcount, [r[0] for r in rows if r[12] is None]


def _replace_postcodes(conn: Connection, rec: Any) -> int:
    """The (postcode, commune) pairs of the national files (those of the contours stay)."""
    conn.execute(delete(code_postal).where(code_postal.c.source != "contours"))
    cp_rows = [
        (cp, code, v["libelle"], "+".join(sorted(v["sources"])))
        for (cp, code), v in rec.postcodes.items()
    ]
    _staged_postcodes.create(conn)
    staged = _staged_postcodes.c
    copy_rows(conn, "tmp_cp", [column.name for column in staged], cp_rows)
    row = insert(code_postal).from_select(
        ["code_postal", "code_insee", "libelle_acheminement", "source"], select(_staged_postcodes)
    )
    kept = code_postal.c.libelle_acheminement
    upsert = row.on_conflict_do_update(
        index_elements=[code_postal.c.code_postal, code_postal.c.code_insee],
        set_={
            "libelle_acheminement": func.coalesce(row.excluded.libelle_acheminement, kept),
            "source": row.excluded.source,
        },
    )
    return conn.execute(upsert.execution_options(preserve_rowcount=True)).rowcount


def _replace_old_codes(conn: Connection, rec: Any) -> int:
    """Former commune codes → the current commune."""
    conn.execute(delete(commune_code_ancien))
    rows = [
        {"code_ancien": old, "code_actuel": target, "nom_ancien": nom, "methode": method}
        for old, (target, nom, method) in rec.old_codes.items()
    ]
    if rows:
        conn.execute(insert(commune_code_ancien), rows)
    return len(rows)


def _record_anomalies(conn: Connection, rec: Any, bad_rows: list, without_point: list[str]) -> int:
    """La Poste lines that could not be used, and communes without a point, with a reason;
    returns the count of La Poste lines."""
    anomalies = [(code, reason, raw) for code, raw, reason in rec.unmapped]
    anomalies += [(None, reason, raw) for raw, reason in bad_rows]
    _replace_anomalies(
        conn, "laposte", [{"code": c, "motif": m, "ligne": raw} for c, m, raw in anomalies]
    )
    missing = "commune sans point (absente du fichier La Poste)"
    _replace_anomalies(
        conn, "communes", [{"code": c, "motif": missing, "ligne": None} for c in without_point]
    )
    return len(anomalies)


def _replace_anomalies(conn: Connection, fichier: str, rows: list[dict[str, Any]]) -> None:
    """The anomalies of one file replace those of its previous import."""
    conn.execute(delete(geo_import_anomalie).where(geo_import_anomalie.c.fichier == fichier))
    if rows:
        conn.execute(insert(geo_import_anomalie).values(fichier=fichier), rows)


def _upsert_departements(conn: Connection, communes: dict) -> int:
    deps: dict[str, tuple[str, str | None]] = {}
    for c in communes.values():
        if c["nom_departement"]:
            deps[c["departement"]] = (c["nom_departement"], c["region"])
    if deps:
        row = insert(departement)
        conn.execute(
            row.on_conflict_do_update(
                index_elements=[departement.c.code],
                set_={"nom": row.excluded.nom, "region": row.excluded.region},
            ),
            [{"code": code, "nom": nom, "region": region} for code, (nom, region) in deps.items()],
        )
    return len(deps)


def _import_epci_csv(conn: Connection, path) -> int:
    n = 0
    with open(path, newline="", encoding="utf-8-sig") as fh:
        for r in csv.DictReader(fh):
            pop = (r.get("population_municipale") or "").strip()
            nb = (r.get("nb_communes") or "").strip()
            row = insert(epci).values(
                siren=r["siren"],
                nom=r["nom"],
                type=r.get("type"),
                population=int(pop) if pop.isdigit() else None,
                nb_communes=int(nb) if nb.isdigit() else None,
                membres=[c for c in (r.get("communes_insee") or "").split("|") if c],
            )
            replaced = ("nom", "type", "population", "nb_communes", "membres")
            conn.execute(
                row.on_conflict_do_update(
                    index_elements=[epci.c.siren], set_={n: row.excluded[n] for n in replaced}
                )
            )
            n += 1
    return n
