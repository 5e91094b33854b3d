"""The exports take the search's filters (one parameter model, OfferFilterParams; one
filter-to-SQL, mapdir.offers.filters) with the same rule: unknown is not "no". An offer of
unknown type (it states no service, mode or programme) is left out of the GeoJSON and
data·inclusion exports filtered by type_offre, counted in ``ecartes.faute_d_information``,
and included with inclure_inconnus=1; the command-line exports say the same on stderr."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from mapdir.cli import main
from tests.search_factories import insert_offer

#: a spot of Limoges no other test uses, and a bbox around it
LON, LAT = 1.2417, 45.8127
BBOX = f"{LON - 0.001},{LAT - 0.001},{LON + 0.001},{LAT + 0.001}"
PLACE = {"adresse": "3 rue Test", "code_postal": "87000", "commune_nom": "Limoges",
         "code_insee": "87085"}  # fmt: skip


@pytest.fixture()
def offers(engine):
    """Committed offers (the test client and the CLI use their own connections)."""
    with engine.begin() as c:
        ids = {
            "atelier": insert_offer(
                c, "Atelier numérique", LON, LAT, frais=["Gratuit"], **PLACE,
                services=["outils-numeriques-quotidien"],
                modalites_accompagnement=["Dans un atelier collectif"],
            ),
            "seniors": insert_offer(
                c, "Atelier des aînés", LON + 0.0002, LAT, publics=["Seniors"], **PLACE,
                services=["outils-numeriques-quotidien"],
                modalites_accompagnement=["Dans un atelier collectif"],
            ),
            "muet": insert_offer(c, "Lieu qui ne dit rien", LON, LAT + 0.0002, **PLACE),
            "aide": insert_offer(
                c, "Aide individuelle", LON + 0.0003, LAT, frais=["Payant"], **PLACE,
                services=["demarches-administratives"],
                modalites_accompagnement=["Accompagnement individuel"],
            ),
        }  # fmt: skip
    yield ids
    with engine.begin() as c:
        c.execute(text("DELETE FROM offre WHERE id = ANY(:ids)"), {"ids": list(ids.values())})


def _geojson(client, query: str) -> tuple[set[int], dict]:
    r = client.get(f"/api/v1/offres.geojson?bbox={BBOX}&{query}")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    return {f["id"] for f in body["features"]}, body["ecartes"]["faute_d_information"]


def test_geojson_leaves_the_unknown_type_out_counts_it_and_includes_it_on_request(client, offers):
    found, left = _geojson(client, "type_offre=formation")
    assert found == {offers["atelier"], offers["seniors"]}
    assert (left["total"], left["type_offre"], left["frais"]) == (1, 1, 0), left
    found, left = _geojson(client, "type_offre=formation&inclure_inconnus=1")
    assert found == {offers["atelier"], offers["seniors"], offers["muet"]}
    assert left["total"] == 0
    # fees unknown: left out and counted; "Payant" is a known "no", not counted
    found, left = _geojson(client, "frais=gratuit")
    assert found == {offers["atelier"]}
    assert (left["total"], left["frais"]) == (2, 2), left
    # publics named by none: open to all
    found, left = _geojson(client, "publics=jeunes&type_offre=formation")
    assert found == {offers["atelier"]} and left["type_offre"] == 1
    found, left = _geojson(client, "")
    assert set(offers.values()) <= found and left["total"] == 0


def test_data_inclusion_pages_filter_and_count_as_the_geojson_does(client, offers):
    url = f"/api/v1/export/data-inclusion/structures?bbox={BBOX}&type_offre=formation"
    body = client.get(url).get_json()
    ids = {int(s["id"].removeprefix("mapdir--")) for s in body["items"]}
    assert ids == {offers["atelier"], offers["seniors"]} and body["total"] == 2
    assert body["ecartes"]["faute_d_information"]["type_offre"] == 1
    body = client.get(url + "&inclure_inconnus=1").get_json()
    assert offers["muet"] in {int(s["id"].removeprefix("mapdir--")) for s in body["items"]}
    assert body["ecartes"]["faute_d_information"]["total"] == 0
    services = client.get(url.replace("structures", "services")).get_json()
    assert services["ecartes"] == {
        "faute_d_information": {"total": 1, "au_moins": False, "horaires": 0,
                                "prise_en_charge": 0, "frais": 0, "type_offre": 1}
    }  # fmt: skip
    bad = client.get(url + "&inclure_inconnus=peut-etre")
    assert bad.status_code == 400 and bad.get_json()["parametre"] == "inclure_inconnus"


def test_command_line_exports_take_the_same_filters(engine, offers):
    env = {"DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    runner = CliRunner()
    command = ["export", "data-inclusion", "--departement", "87", "--filtres"]
    strict = runner.invoke(main, [*command, "type_offre=formation"], env=env)
    assert strict.exit_code == 0, strict.output
    ids = {s["id"] for s in json.loads(strict.stdout)["structures"]}
    assert f"mapdir--{offers['atelier']}" in ids and f"mapdir--{offers['muet']}" not in ids
    assert "faute d'information" in strict.stderr and "type d'offre non renseigné" in strict.stderr
    relaxed = runner.invoke(main, [*command, "type_offre=formation&inclure_inconnus=1"], env=env)
    assert f"mapdir--{offers['muet']}" in {
        s["id"] for s in json.loads(relaxed.stdout)["structures"]
    }
    assert "faute d'information" not in relaxed.stderr
    mednum = ["export", "mednum", "--departement", "87", "--filtres"]
    strict = runner.invoke(main, [*mednum, "type_offre=formation"], env=env)
    assert strict.exit_code == 0, strict.output
    assert f"mapdir-{offers['atelier']}" in strict.stdout
    assert "Lieu qui ne dit rien" not in strict.stdout + strict.stderr
    assert "type d'offre non renseigné" in strict.stderr.splitlines()[-1]
    relaxed = runner.invoke(main, [*mednum, "type_offre=formation&inclure_inconnus=1"], env=env)
    assert "Lieu qui ne dit rien" in relaxed.stdout + relaxed.stderr  # a row, or its reason
    bad = runner.invoke(main, [*mednum, "type_offre=cuisine"], env=env)
    assert bad.exit_code == 2 and "Valeur inconnue pour « type_offre »" in bad.output
