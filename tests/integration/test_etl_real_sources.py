"""The whole pipeline on the real national files, in a database of its own.

One module-scoped database: geography (France + 87), France Services 2022-12, then every
source's newest file (France Services 2024-08 among them), then the same again.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import text

from etl.dedup import undo_merge
from etl.export_mednum import validate_csv, write_csv
from etl.load import EtlError, run_source
from etl.sources import SOURCES, newest_file

LIMOGES = "87085"


def _quiet(_m):
    pass


@pytest.fixture(scope="module")
def loaded(make_database, shared_data):
    eng = make_database("etl")
    offers = shared_data / "offers"
    results = {
        "fs2022": run_source(eng, "france-services", offers / "france-services-2022-12-01.csv")
    }
    results["first"] = {s: run_source(eng, s, newest_file(s, offers)) for s in SOURCES}
    results["second"] = {s: run_source(eng, s, newest_file(s, offers)) for s in SOURCES}
    for key in ("first", "second"):
        for summary in results[key].values():
            print(f"[{key}] {summary.line()}")
    return eng, results


def test_second_run_changes_nothing(loaded):
    _eng, results = loaded
    for slug, summary in results["first"].items():
        assert summary.counts["lus"] > 0, slug
    for slug, summary in results["second"].items():
        assert summary.counts["inseres"] == 0, slug
        assert summary.counts["mis_a_jour"] == 0, slug
        assert summary.counts["disparus"] == 0, slug
        assert summary.counts["inchanges"] == results["first"][slug].counts["inchanges"] + (
            results["first"][slug].counts["inseres"] + results["first"][slug].counts["mis_a_jour"]
        ), slug


def test_france_services_reimport_new_updated_vanished(loaded):
    eng, results = loaded
    fs = results["first"]["france-services"].counts
    assert fs["inseres"] > 100 and fs["mis_a_jour"] > 100 and fs["disparus"] > 10
    with eng.connect() as c:
        vanished = c.execute(
            text(
                "SELECT count(*) FROM enregistrement_source es JOIN offre o ON o.id = es.offre_id"
                " WHERE es.source = 'france-services' AND NOT es.present"
            )
        ).scalar_one()
        assert vanished == fs["disparus"]  # still in the database, marked
        absent = c.execute(
            text(
                "SELECT count(*) FROM offre o WHERE o.statut = 'absente_source' AND EXISTS ("
                " SELECT 1 FROM enregistrement_source es WHERE es.offre_id = o.id"
                " AND es.source = 'france-services' AND NOT es.present)"
            )
        ).scalar_one()
        assert absent > 0


def test_rejects_are_stored_with_reasons(loaded):
    eng, results = loaded
    with eng.connect() as c:
        for slug, summary in results["first"].items():
            stored = c.execute(
                text("SELECT count(*) FROM rejet WHERE import_run_id = :r"), {"r": summary.run_id}
            ).scalar_one()
            assert stored == summary.counts["rejetes"], slug
        assert c.execute(text("SELECT count(*) FROM rejet WHERE motif = ''")).scalar_one() == 0


def _fs_ids_87(shared_data: Path) -> set[str]:
    path = shared_data / "offers" / "france-services-2024-08-01.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        return {r["id_fs"] for r in csv.DictReader(fh) if r["insee_dep"] == "87"}


def test_haute_vienne_after_dedup(loaded, shared_data):
    eng, _results = loaded
    fs_ids = _fs_ids_87(shared_data)
    with eng.connect() as c:
        rows = c.execute(
            text(
                """
                SELECT es.source_id, coalesce(o.fusionnee_dans, o.id) AS survivor,
                       s.statut
                FROM enregistrement_source es JOIN offre o ON o.id = es.offre_id
                JOIN offre s ON s.id = coalesce(o.fusionnee_dans, o.id)
                WHERE es.source = 'france-services' AND es.source_id = ANY(:ids)
                """
            ),
            {"ids": list(fs_ids)},
        ).all()
        assert {r.source_id for r in rows} == fs_ids  # every France Services of 87 …
        assert len({r.survivor for r in rows}) == len(fs_ids)  # … exactly once
        assert {r.statut for r in rows} == {"active"}
        distinct = c.execute(
            text(
                "SELECT count(*) FROM offre o JOIN commune c ON c.code = o.code_insee"
                " WHERE c.departement = '87' AND o.statut = 'active'"
            )
        ).scalar_one()
        merged = c.execute(
            text(
                "SELECT count(*) FROM offre o JOIN commune c ON c.code = o.code_insee"
                " WHERE c.departement = '87' AND o.statut = 'fusionnee'"
            )
        ).scalar_one()
        print(f"\n87 : {distinct} offres distinctes après dédoublonnage, {merged} fusionnées")
        assert distinct > 100 and merged > 10
        outside = c.execute(
            text(
                "SELECT count(*) FROM offre o JOIN commune c ON c.code = o.code_insee"
                " JOIN departement d ON d.code = '87'"
                " WHERE c.departement = '87' AND o.statut = 'active'"
                " AND NOT ST_Intersects(d.geom, o.point)"
            )
        ).scalar_one()
        assert outside == 0


def test_sauviat_permanence_extracted(loaded):
    eng, _ = loaded
    with eng.connect() as c:
        row = c.execute(
            text(
                """
                SELECT p.horaires, p.lieu, p.extraite, s.nom, s.adresse
                FROM permanence p JOIN offre o ON o.id = p.offre_id
                JOIN offre s ON s.id = coalesce(o.fusionnee_dans, o.id)
                WHERE p.code_insee = '87190'
                """
            )
        ).one()
        assert row.horaires == "Fr[2] 09:30-12:00" and row.extraite
        assert "Beaufort" in row.adresse


def test_bad_file_leaves_previous_data_intact(loaded, tmp_path):
    eng, _ = loaded
    bad = tmp_path / "charente-lieux-2099-01.json"
    bad.write_text('[{"id": "x", "nom": "A"', encoding="utf-8")
    with eng.connect() as c:
        before = c.execute(text("SELECT count(*), max(updated_at) FROM offre")).one()
    with pytest.raises(EtlError, match="Fichier illisible"):
        run_source(eng, "mednum-v1", bad)
    with eng.connect() as c:
        assert c.execute(text("SELECT count(*), max(updated_at) FROM offre")).one() == before
        last = c.execute(text("SELECT statut FROM import_run ORDER BY id DESC LIMIT 1")).scalar()
        assert last == "echec"


def test_undo_merge_restores_both(loaded):
    eng, _ = loaded
    with eng.begin() as c:
        pair = c.execute(
            text(
                "SELECT d.id, d.offre_a, d.offre_b FROM doublon d WHERE decision = 'fusion'"
                " ORDER BY d.id LIMIT 1"
            )
        ).one()
        undo_merge(c, pair.id)
        states = c.execute(
            text("SELECT statut FROM offre WHERE id IN (:a, :b)"),
            {"a": pair.offre_a, "b": pair.offre_b},
        ).scalars()
        assert set(states) == {"active"}
        decided = c.execute(
            text("SELECT decision, annulee FROM doublon WHERE id = :i"), {"i": pair.id}
        ).one()
        assert decided == ("distinct", True)


def test_mednum_export_of_87_accounts_for_every_active_offer(loaded, tmp_path):
    eng, _ = loaded
    out = tmp_path / "lieux-87.csv"
    with eng.connect() as c, open(out, "w", encoding="utf-8", newline="") as fh:
        summary = write_csv(c, "87", fh)
        active = set(
            c.execute(
                text(
                    "SELECT o.id FROM offre o JOIN commune c ON c.code = o.code_insee"
                    " WHERE c.departement = '87' AND o.statut = 'active'"
                )
            ).scalars()
        )
    report = validate_csv(out)
    print(f"\nexport 87 : {summary.line()} ; frictionless valide={report.valid}")
    assert report.valid, json.dumps(report.flatten(["rowNumber", "fieldName", "note"])[:5])
    with open(out, encoding="utf-8", newline="") as fh:
        written = {int(row["id"].removeprefix("mapdir-")) for row in csv.DictReader(fh)}
    left_out = {offer_id: reason for offer_id, _nom, reason in summary.skipped_offers}
    assert all(left_out.values())  # a reason for each offer left out
    missing = active - written - set(left_out)
    assert not missing, f"active offers of 87 missing from the export without a reason: {missing}"
    assert len(written) > 200 and summary.without_street > 0


def test_broken_rows_go_to_rejects_and_good_rows_load(loaded, tmp_path):
    eng, _ = loaded
    good = {
        "nom": "Médiathèque test",
        "commune": "Limoges",
        "code_postal": "87000",
        "code_insee": "87085",
        "adresse": "2 place Aimé Césaire",
        "latitude": 45.8336,
        "longitude": 1.2611,
        "services": "Maîtrise des outils numériques du quotidien",
    }
    rows = [
        {**good, "id": "ok-1"},
        {**good, "id": "ok-script", "nom": "<script>alert(1)</script>Espace <b>numérique</b>"},
        {**good, "id": "ok-swapped", "latitude": 1.2611, "longitude": 45.8336},
        {**good, "id": "bad-noname", "nom": "   "},
        {**good, "id": "bad-postcode", "code_postal": "99999", "code_insee": None},
        {**good, "id": "bad-far", "latitude": 48.85, "longitude": 2.35},
        {**good, "id": "bad-outside", "latitude": 10.0, "longitude": 10.0},
    ]
    path = tmp_path / "test-lieux-2099-01.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    summary = run_source(eng, "mednum-v1", path)
    assert summary.counts["lus"] == 7
    # a wrong postcode and far coordinates no longer reject a place that its name, INSEE
    # code and point (or name and postcode) put in Limoges (etl/resolve.py)
    assert summary.counts["inseres"] == 5
    assert summary.counts["rejetes"] == 2
    with eng.connect() as c:
        rejected = dict(
            c.execute(
                text("SELECT source_id, motif FROM rejet WHERE import_run_id = :r"),
                {"r": summary.run_id},
            ).all()
        )
        loaded = {
            r.source_id: r
            for r in c.execute(
                text(
                    "SELECT es.source_id, o.nom, o.code_insee, o.geo_precision,"
                    " ST_Y(o.point) AS lat, es.donnees FROM enregistrement_source es"
                    " JOIN offre o ON o.id = es.offre_id WHERE es.premier_run_id = :r"
                ),
                {"r": summary.run_id},
            )
        }
    assert set(rejected) == {"bad-noname", "bad-outside"}
    assert all(len(m) > 5 for m in rejected.values())  # a French reason for each
    assert "nom" in rejected["bad-noname"]
    assert "hors de France" in rejected["bad-outside"]
    assert loaded["bad-postcode"].code_insee == LIMOGES
    assert "99999" in " ".join(loaded["bad-postcode"].donnees["corrections"])
    far = loaded["bad-far"]  # Limoges by its INSEE code, postcode and name; point in Paris
    assert (far.code_insee, far.geo_precision) == (LIMOGES, "commune")
    assert "km de Limoges" in far.donnees["conflit_localisation"]["message"]
    assert re.search(r"à \d[\d\u202f]*,\d km", far.donnees["conflit_localisation"]["message"])
    assert far.donnees["conflit_localisation"]["latitude"] == 48.85
    names = {r.nom for r in loaded.values()}
    assert not any("<" in n for n in names)  # HTML stripped to text
    assert all(45 < r.lat < 46 for r in loaded.values())  # swapped pair fixed, far one moved
