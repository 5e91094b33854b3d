"""data·inclusion v1 export of the real Haute-Vienne directory: every record validates against
data·inclusion's JSON Schema, nothing is dropped without a reason, the API pages through
the same records, and the CLI writes them."""

from __future__ import annotations

import csv
import json

from click.testing import CliRunner
from sqlalchemy import text

from mapdir.cli import main
from mapdir.offers.data_inclusion.mapping import Summary
from mapdir.offers.data_inclusion.queries import Scope, iter_records
from mapdir.offers.data_inclusion.validation import errors

SAUVIAT = "87190"


def _export_87(real_directory):
    summary = Summary()
    with real_directory.connect() as conn:
        records = list(iter_records(conn, Scope(departement="87"), None, summary))
    structures = [s for s, _ in records]
    services = [svc for _, svcs in records for svc in svcs]
    return structures, services, summary


def test_the_whole_87_directory_validates(real_directory):
    structures, services, summary = _export_87(real_directory)
    structure_errors = errors("structure", structures)
    service_errors = errors("service", services)
    print(
        f"\ndata·inclusion v1, 87 : {len(structures)} structures, {len(services)} services,"
        f" {len(summary.ignores)} offres ignorées ; erreurs de schéma : structures"
        f" {len(structure_errors)}, services {len(service_errors)}"
    )
    assert structure_errors == [] and service_errors == []
    assert len(structures) > 200 and len(services) >= len(structures)
    with real_directory.connect() as conn:
        active = set(
            conn.execute(
                text(
                    "SELECT o.id FROM offre o JOIN commune c ON c.code = o.code_insee"
                    " WHERE o.statut = 'active' AND c.departement = '87'"
                )
            ).scalars()
        )
    exported = {int(s["id"].removeprefix("mapdir--")) for s in structures}
    ignored = {s.offre_id for s in summary.ignores}
    assert exported | ignored == active and not exported & ignored  # nothing silently lost
    assert all(s.motif for s in summary.ignores)
    # ids are unique, every service belongs to an exported structure
    assert len({s["id"] for s in services}) == len(services)
    assert {s["structure_id"] for s in services} <= {s["id"] for s in structures}


def test_the_sauviat_permanence_is_a_service_at_its_stop(real_directory):
    _structures, services, _summary = _export_87(real_directory)
    (stop,) = [s for s in services if s["code_insee"] == SAUVIAT and "permanence" in s["id"]]
    assert stop["horaires_accueil"] == "Fr[2] 09:30-12:00"
    assert "Saint-Léonard" in stop["description"] and stop["modes_accueil"] == ["en-presentiel"]


def test_api_pages_through_the_same_records(real_client, real_directory):
    structures, services, _summary = _export_87(real_directory)
    for table, expected in (("structures", structures), ("services", services)):
        got, page = [], 1
        while True:
            r = real_client.get(
                f"/api/v1/export/data-inclusion/{table}?departement=87&size=100&page={page}"
            )
            assert r.status_code == 200, r.get_json()
            body = r.get_json()
            assert body["total"] == len(expected) and body["size"] == 100
            got += body["items"]
            if page >= body["pages"]:
                break
            page += 1
        assert [g["id"] for g in got] == [e["id"] for e in expected]
        # the API writes the link to each offer's page
        assert got[0]["lien_source"].startswith("http://localhost/offres/")
        kind = "structure" if table == "structures" else "service"
        assert errors(kind, got) == []


def test_api_filters_like_the_geojson_export(real_client):
    bbox = "1.55,45.85,1.75,46.0"  # around Sauviat-sur-Vige
    body = real_client.get(
        f"/api/v1/export/data-inclusion/structures?bbox={bbox}&size=1000"
    ).get_json()
    geojson = real_client.get(f"/api/v1/offres.geojson?bbox={bbox}").get_json()
    ids = {int(s["id"].removeprefix("mapdir--")) for s in body["items"]}
    assert ids == {f["id"] for f in geojson["features"]} and ids
    fs = real_client.get(
        "/api/v1/export/data-inclusion/structures?departement=87&programme=france-services"
    ).get_json()
    assert fs["total"] > 10
    assert all("france-service" in (s["reseaux_porteurs"] or []) for s in fs["items"])
    beyond = real_client.get(
        "/api/v1/export/data-inclusion/services?departement=87&page=999"
    ).get_json()
    assert beyond["items"] == [] and beyond["total"] > 0


def test_api_bad_parameters_are_french_400s(real_client):
    for query, name in (
        ("departement=8x7", "departement"),
        ("size=5000", "size"),
        ("page=0", "page"),
        ("bbox=1,2,3", "bbox"),
        ("services=cuisine", "services"),
        ("taille=10", "taille"),
    ):
        r = real_client.get(f"/api/v1/export/data-inclusion/services?{query}")
        assert r.status_code == 400, query
        assert r.get_json()["parametre"] == name and r.get_json()["erreur"]


def test_cli_writes_json_and_csv(real_directory, tmp_path):
    url = real_directory.url.render_as_string(hide_password=False)
    runner = CliRunner()
    env = {"DATABASE_URL": url, "MAPDIR_PUBLIC_URL": "https://annuaire.example.fr"}
    result = runner.invoke(main, ["export", "data-inclusion", "--departement", "87"], env=env)
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert errors("structure", body["structures"]) == []
    assert body["structures"][0]["lien_source"].startswith("https://annuaire.example.fr/offres/")
    assert "structures et" in result.stderr and "services exportés" in result.stderr
    result = runner.invoke(
        main,
        ["export", "data-inclusion", "--departement", "87", "--format", "csv", "--sortie",
         str(tmp_path)],
        env=env,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    header = (tmp_path / "services.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("source,id,structure_id,nom")
    with (tmp_path / "structures.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["id"] for r in rows] == [s["id"] for s in body["structures"]]
    result = runner.invoke(main, ["export", "data-inclusion", "--format", "csv"], env=env)
    assert result.exit_code != 0 and "--table" in result.output
