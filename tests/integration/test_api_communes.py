"""/api/v1/communes: postcode, name search, detail, and every error path."""

from __future__ import annotations

import pytest


def test_postcode_87400_lists_ten_communes_largest_first(client):
    r = client.get("/api/v1/communes?code_postal=87400")
    assert r.status_code == 200
    body = r.get_json()
    codes = [c["code"] for c in body["communes"]]
    assert body["nombre"] == len(codes) == 10
    assert body["communes"][0]["nom"] == "Saint-Léonard-de-Noblat"
    pops = [c["population"] for c in body["communes"]]
    assert pops == sorted(pops, reverse=True)
    lon, lat = body["communes"][0]["point"]["coordinates"]
    assert 1.3 < lon < 1.6 and 45.7 < lat < 45.9


def test_postcode_87000_is_limoges(client):
    body = client.get("/api/v1/communes?code_postal=87000").get_json()
    assert [c["code"] for c in body["communes"]] == ["87085"]


def test_marseille_postcode_gives_arrondissement_then_commune(client):
    body = client.get("/api/v1/communes?code_postal=13011").get_json()
    first = body["communes"][0]
    assert first["code"] == "13211" and first["commune_parente"] == "13055"
    assert "13055" in [c["code"] for c in body["communes"]]


def test_postcode_without_polygon_resolves(client):
    body = client.get("/api/v1/communes?code_postal=29200").get_json()  # Brest
    assert body["communes"][0]["code"] == "29019"
    assert body["communes"][0]["point"] is not None


def test_old_commune_postcode_reaches_current_commune(client):
    body = client.get("/api/v1/communes?code_postal=93380").get_json()
    assert "93066" in [c["code"] for c in body["communes"]]


@pytest.mark.parametrize("bad", ["8740", "ABCDE", "874000", "87 40", ""])
def test_malformed_postcode_is_400_in_french(client, bad):
    r = client.get(f"/api/v1/communes?code_postal={bad}")
    assert r.status_code == 400
    body = r.get_json()
    assert "Code postal invalide" in body["erreur"]
    assert body["parametre"] == "code_postal"


def test_unknown_postcode_is_404(client):
    r = client.get("/api/v1/communes?code_postal=99999")
    assert r.status_code == 404
    assert "99999" in r.get_json()["erreur"]


def test_name_search_accent_and_case_insensitive_prefix_first(client):
    body = client.get("/api/v1/communes?q=saint leon").get_json()
    names = [c["nom"] for c in body["communes"]]
    exact = [i for i, n in enumerate(names) if n == "Saint-Léon"]
    prefix = [i for i, n in enumerate(names) if n.startswith("Saint-Léon") and n != "Saint-Léon"]
    assert exact and prefix and max(exact) < min(prefix)  # exact names, then prefixes
    assert "Saint-Léonard-de-Noblat" in names
    upper = client.get("/api/v1/communes?q=ST LÉONARD DE NOB").get_json()
    assert upper["communes"][0]["code"] == "87161"


def test_name_search_word_inside_name_and_typo(client):
    body = client.get("/api/v1/communes?q=noblat").get_json()
    assert body["communes"][0]["code"] == "87161"
    fuzzy = client.get("/api/v1/communes?q=limoje").get_json()
    assert "87085" in [c["code"] for c in fuzzy["communes"]]


def test_name_search_errors(client):
    assert client.get("/api/v1/communes?q=a").status_code == 400
    assert client.get("/api/v1/communes?q=lim&limite=500").status_code == 400
    assert client.get("/api/v1/communes?q=lim&limite=abc").status_code == 400
    r = client.get("/api/v1/communes")
    assert r.status_code == 400 and "code_postal" in r.get_json()["erreur"]


def test_commune_detail_with_epci_and_postcodes(client):
    body = client.get("/api/v1/communes/87085").get_json()
    assert body["nom"] == "Limoges"
    assert body["epci"]["nom"] == "CU Limoges Métropole"
    assert "87000" in body["codes_postaux"] and "87100" in body["codes_postaux"]
    assert body["a_contour"] is True and body["canton"] is not None


def test_commune_detail_old_code_and_errors(client):
    body = client.get("/api/v1/communes/93059").get_json()
    assert body["code"] == "93066" and body["code_demande"] == "93059"
    assert client.get("/api/v1/communes/2A004").get_json()["nom"] == "Ajaccio"
    r = client.get("/api/v1/communes/8708")
    assert r.status_code == 400 and "erreur" in r.get_json()
    r = client.get("/api/v1/communes/99999")
    assert r.status_code == 404 and r.is_json


def test_unknown_api_route_is_json_404(client):
    r = client.get("/api/v1/nope")
    assert r.status_code == 404 and r.get_json()["erreur"]


def test_home_and_health(client):
    r = client.get("/")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert '<html lang="fr">' in html and 'for="lieu"' in html
    health = client.get("/sante")
    assert health.status_code == 200 and health.get_json()["statut"] == "ok"
