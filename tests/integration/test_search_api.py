"""The search's JSON API: slugs, offer detail with provenance, GeoJSON, 400s and 404s, the
OpenAPI document."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from tests.search_factories import (
    commune_point,
    insert_offer,
)


@pytest.fixture()
def api_offers(engine):
    """Committed offers (the test client uses its own connection), deleted at teardown."""
    created: list[int] = []
    with engine.begin() as c:
        lon, lat = commune_point(c, "87085")
        created.append(
            insert_offer(
                c,
                "MFS Limoges",
                lon,
                lat,
                code_insee="87085",
                services=["demarches-administratives"],
                frais=["Gratuit"],
                programmes=["France Services"],
                horaires="Mo-Fr 09:00-12:00",
                date_maj=date(2026, 10, 1),
            )
        )
        created.append(
            insert_offer(
                c,
                "Médiathèque",
                lon + 0.05,
                lat + 0.02,
                services=["outils-numeriques-quotidien"],
                publics=["Familles et/ou enfants"],
                frais=["Gratuit"],
            )
        )
        created.append(insert_offer(c, "Ancienne fiche", lon, lat))
        c.execute(
            text("UPDATE offre SET statut = 'fusionnee', fusionnee_dans = :s WHERE id = :m"),
            {"s": created[0], "m": created[2]},
        )
        created.append(insert_offer(c, "Nice", 7.26, 43.70))  # outside the 87 bbox
        run = c.execute(text("INSERT INTO import_run (source) VALUES ('test') RETURNING id"))
        run_id = run.scalar_one()
        for source, offer in (("france-services", created[0]), ("cartographie", created[2])):
            c.execute(
                text(
                    "INSERT INTO enregistrement_source (source, source_id, offre_id, "
                    "brut, donnees, empreinte, premier_run_id) VALUES "
                    "(:s, :sid, :o, '{}', '{}', 'x', :r)"
                ),
                {"s": source, "sid": f"{source}-1", "o": offer, "r": run_id},
            )

    yield created
    with engine.begin() as c:
        c.execute(
            text("DELETE FROM enregistrement_source WHERE offre_id = ANY(:ids)"), {"ids": created}
        )
        c.execute(text("DELETE FROM import_run WHERE id = :r"), {"r": run_id})
        c.execute(
            text("UPDATE offre SET fusionnee_dans = NULL WHERE id = ANY(:ids)"), {"ids": created}
        )
        c.execute(text("DELETE FROM offre WHERE id = ANY(:ids)"), {"ids": created})


def test_api_search_with_slugs(client, api_offers):
    r = client.get(
        "/api/v1/recherche?code_postal=87000&services=demarches-administratives"
        "&frais=gratuit&programme=france-services&ouvert=2026-12-02T10:00"
    )
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert [x["id"] for x in body["resultats"]] == [api_offers[0]]
    assert body["origine"]["communes"][0]["code"] == "87085"
    assert body["resultats"][0]["distance_km"] == 0
    families = client.get("/api/v1/recherche?code_commune=87085&publics=familles").get_json()
    # the offer for families, and those addressing no public specifically (open to all)
    found = {x["id"]: x["publics"] for x in families["resultats"]}
    assert api_offers[1] in found and all(p in ([], ["Familles et/ou enfants"])
                                          for p in found.values())  # fmt: skip
    by_point = client.get("/api/v1/recherche?lat=45.85&lon=1.25&limite=2").get_json()
    assert by_point["origine"]["mode"] == "point" and len(by_point["resultats"]) == 2


def test_api_offer_detail_with_provenance_and_merge(client, api_offers):
    survivor, merged = api_offers[0], api_offers[2]
    body = client.get(f"/api/v1/offres/{merged}").get_json()
    assert body["id"] == survivor and body["fusion"]["id_demande"] == merged
    assert body["provenance"]["sources"] == ["cartographie", "france-services"]
    assert body["provenance"]["offres_fusionnees"] == [merged]
    direct = client.get(f"/api/v1/offres/{survivor}").get_json()
    assert "fusion" not in direct and direct["nom"] == "MFS Limoges"
    missing = client.get("/api/v1/offres/999999999")
    assert missing.status_code == 404 and missing.get_json()["parametre"] == "id"


def test_api_geojson_bbox(client, api_offers):
    r = client.get("/api/v1/offres.geojson?bbox=0.5,45.3,2.0,46.5")
    assert r.status_code == 200 and r.mimetype == "application/geo+json"
    body = r.get_json()
    ids = {f["properties"]["id"] for f in body["features"]}
    assert {api_offers[0], api_offers[1]} <= ids
    assert api_offers[2] not in ids and api_offers[3] not in ids  # merged; outside
    assert all(f["properties"]["nom"] for f in body["features"])
    wide = client.get("/api/v1/offres.geojson?bbox=0,44,3,47&services=outils-numeriques-quotidien")
    assert [f["id"] for f in wide.get_json()["features"]] == [api_offers[1]]
    one = client.get("/api/v1/offres.geojson?bbox=0,44,3,47&limite=1").get_json()
    assert one["nombre"] == 1 and one["tronque"] is True


@pytest.mark.parametrize(
    ("query", "parametre"),
    [
        ("recherche?code_postal=874", "code_postal"),
        ("recherche?code_postal=87A00", "code_postal"),
        ("recherche", "code_postal"),
        ("recherche?code_commune=8", "code_commune"),
        ("recherche?code_postal=87400&code_commune=87085", "code_commune"),
        ("recherche?code_postal=87400&services=cuisine", "services"),
        ("recherche?code_postal=87400&publics=retraites", "publics"),
        ("recherche?code_postal=87400&prise_en_charge=x", "prise_en_charge"),
        ("recherche?code_postal=87400&frais=payant", "frais"),
        ("recherche?code_postal=87400&modalites=visio", "modalites"),
        ("recherche?code_postal=87400&programme=inconnu", "programme"),
        ("recherche?code_postal=87400&ouvert=bientot", "ouvert"),
        ("recherche?code_postal=87400&ouvert=mercredi-nuit", "ouvert"),
        ("recherche?code_postal=87400&limite=101", "limite"),
        ("recherche?code_postal=87400&limite=0", "limite"),
        ("recherche?code_postal=87400&limite=dix", "limite"),
        ("recherche?lat=91&lon=1", "lat"),
        ("recherche?lat=45&lon=-181", "lon"),
        ("recherche?lat=45", "lon"),
        ("recherche?lat=abc&lon=1", "lat"),
        ("recherche?code_postal=87400&service=x", "service"),
        ("offres.geojson", "bbox"),
        ("offres.geojson?bbox=1,2,3", "bbox"),
        ("offres.geojson?bbox=2,45,1,46", "bbox"),
        ("offres.geojson?bbox=-5,41,9,51", "bbox"),
        ("offres.geojson?bbox=0,44,3,47&limite=20001", "limite"),
        ("offres.geojson?bbox=0,44,3,47&services=x", "services"),
        ("offres/abc", "id"),
    ],
)
def test_api_400_names_the_bad_parameter(client, query, parametre):
    r = client.get(f"/api/v1/{query}")
    assert r.status_code == 400, (query, r.get_json())
    body = r.get_json()
    assert body["parametre"] == parametre
    assert len(body["erreur"]) > 10


def test_unknown_postcode_is_404(client):
    r = client.get("/api/v1/recherche?code_postal=00000")
    assert r.status_code == 404 and r.get_json()["parametre"] == "code_postal"
