"""Two regional files of one format never wipe each other (vanishing scoped to datasets).

Region A is the real Charente file of the mirror; region B is a second file of the same
national v1 format, built from the hand-written cases of issue 17 (Provence, Normandy).
Both are imported in either order, then one is re-imported with a record removed: only
that record is marked absent.
"""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from etl.load import run_source
from etl.sources import dataset_of
from mapdir.cli import main as cli

CASES_FILE = Path(__file__).resolve().parents[1] / "data" / "communes_difficiles.json"


@pytest.fixture(scope="module")
def regions(tmp_path_factory, shared_data) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("regions")
    charente = folder / "charente-lieux-2023-07.json"
    shutil.copy(shared_data / "offers" / "charente-lieux-2023-07.json", charente)
    cases = json.loads(CASES_FILE.read_text(encoding="utf-8"))["lieux"]
    paca = folder / "paca-lieux-2023-09.json"
    paca.write_text(json.dumps([c for c in cases if "attendu" in c]), encoding="utf-8")
    return {"A": charente, "B": paca}


@pytest.fixture()
def eng(engine):
    """The session database; what a test imports is deleted afterwards (the other tests
    must not see these offers)."""
    with engine.connect() as c:
        offer0 = c.execute(text("SELECT coalesce(max(id), 0) FROM offre")).scalar()
        run0 = c.execute(text("SELECT coalesce(max(id), 0) FROM import_run")).scalar()
    yield engine
    with engine.begin() as c:
        for sql in (
            "DELETE FROM doublon WHERE offre_a > :o OR offre_b > :o",
            "DELETE FROM permanence WHERE offre_id > :o",
            "DELETE FROM enregistrement_source WHERE offre_id > :o",
            "UPDATE offre SET fusionnee_dans = NULL WHERE id > :o",
            "DELETE FROM offre WHERE id > :o",
            "DELETE FROM rejet WHERE import_run_id > :r",
            "DELETE FROM import_run WHERE id > :r",
        ):
            c.execute(text(sql), {"o": offer0, "r": run0})


def _state(eng) -> dict[str, tuple[bool, list[str]]]:
    with eng.connect() as c:
        return {
            r.source_id: (r.present, r.jeux_de_donnees)
            for r in c.execute(
                text(
                    "SELECT source_id, present, jeux_de_donnees FROM enregistrement_source"
                    " WHERE source = 'mednum-v1'"
                )
            )
        }


def _without_one(path: Path, tmp_path: Path) -> tuple[Path, str]:
    records = json.loads(path.read_text(encoding="utf-8"))
    removed = records.pop(3)
    # same dataset, a later snapshot
    later = tmp_path / path.name.replace("-2023-", "-2024-")
    later.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return later, str(removed["id"])


def test_dataset_is_the_file_name_without_its_date():
    assert dataset_of(Path("x/charente-lieux-2023-07.json")) == "charente-lieux"
    assert dataset_of(Path("france-services-2024-08-01.csv")) == "france-services"
    assert dataset_of(Path("france-services-2022-12-01.csv")) == "france-services"
    assert dataset_of(Path("haute-vienne-acteurs-numerique-2023-04.geojson")) == (
        "haute-vienne-acteurs-numerique"
    )
    assert dataset_of(Path("export.csv"), "mednum-v1") == "export"


@pytest.mark.parametrize("order", [("A", "B"), ("B", "A")])
def test_two_regional_files_in_either_order(eng, regions, order, tmp_path, client):
    first, second = (regions[k] for k in order)
    run_source(eng, "mednum-v1", first, dedup=False)
    summary = run_source(eng, "mednum-v1", second, dedup=False)
    assert summary.counts["disparus"] == 0  # the second region wipes nothing
    state = _state(eng)
    assert all(present for present, _ in state.values())
    assert len({tuple(jeux) for _, jeux in state.values()}) == 2  # one dataset per file

    # the first region again, in a later snapshot that lost one record
    later, removed = _without_one(first, tmp_path)
    summary = run_source(eng, "mednum-v1", later, dedup=False)
    assert summary.counts["disparus"] == 1 and summary.jeu == dataset_of(first)
    after = _state(eng)
    assert [sid for sid, (present, _) in after.items() if not present] == [removed]
    with eng.connect() as c:
        offer_id, statut = c.execute(
            text(
                "SELECT o.id, o.statut FROM offre o JOIN enregistrement_source es"
                " ON es.offre_id = o.id WHERE es.source_id = :s"
            ),
            {"s": removed},
        ).one()
        active = c.execute(
            text(
                "SELECT count(*) FROM offre o JOIN enregistrement_source es"
                " ON es.offre_id = o.id WHERE es.source = 'mednum-v1' AND o.statut = 'active'"
            )
        ).scalar()
    assert statut == "absente_source"
    assert active == len(after) - 1
    # its public page says it in French, never the raw code
    page = html.unescape(client.get(f"/offres/{offer_id}").get_data(as_text=True))
    assert "n'apparaît plus dans le fichier qui le publiait" in page
    assert "absente_source" not in page


def test_a_record_listed_by_two_datasets_stays_while_one_lists_it(eng, regions, tmp_path):
    records = json.loads(regions["B"].read_text(encoding="utf-8"))
    north = tmp_path / "nord-lieux-2023-01.json"
    north.write_text(json.dumps(records[:5]), encoding="utf-8")
    run_source(eng, "mednum-v1", regions["B"], dedup=False)
    run_source(eng, "mednum-v1", north, dedup=False)  # the same first five, another file
    shared = str(records[0]["id"])
    assert sorted(_state(eng)[shared][1]) == ["nord-lieux", "paca-lieux"]
    north_later = tmp_path / "nord-lieux-2023-06.json"
    north_later.write_text(json.dumps(records[1:5]), encoding="utf-8")
    summary = run_source(eng, "mednum-v1", north_later, dedup=False)
    assert summary.counts["disparus"] == 0  # still listed by the PACA file
    assert _state(eng)[shared] == (True, ["paca-lieux"])


def test_etl_status_shows_datasets(eng, regions, monkeypatch):
    run_source(eng, "mednum-v1", regions["A"], dedup=False)
    run_source(eng, "mednum-v1", regions["B"], dedup=False)
    url = eng.url.render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", url)
    result = CliRunner().invoke(cli, ["etl", "status"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("mednum-v1")]
    assert len(lines) == 2
    assert any("jeu charente-lieux" in line and "188 lieux présents" in line for line in lines)
    assert any("jeu paca-lieux" in line for line in lines)
