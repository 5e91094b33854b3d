"""Prescriber search against the real Haute-Vienne directory (all sources imported)."""

from __future__ import annotations

import random
from datetime import date

import geopandas as gpd
from pyproj import Geod
from sqlalchemy import text

GEOD = Geod(ellps="WGS84")


def _search(client, query: str) -> dict:
    r = client.get(f"/api/v1/recherche?{query}")
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_87400_demarches_gives_saint_leonard_france_services_first(real_client):
    body = _search(real_client, "code_postal=87400&services=demarches-administratives")
    first = body["resultats"][0]
    assert first["code_insee"] == "87161"
    assert "Beaufort" in first["adresse"] and "France services" in first["nom"]
    assert len(body["origine"]["communes"]) == 10


def test_sauviat_sees_the_permanence_at_its_mairie_with_next_date(real_client):
    body = _search(real_client, "code_commune=87190")
    with_stop = [r for r in body["resultats"] if r["distance_depuis"] == "permanence"]
    assert with_stop, "the Saint-Léonard France Services permanence must show"
    passage = with_stop[0]["prochains_passages"][0]
    assert passage["code_insee"] == "87190" and passage["lieu"] == "Mairie"
    day = date.fromisoformat(passage["debut"][:10])
    assert day.weekday() == 4 and 8 <= day.day <= 14  # the 2nd Friday of a month
    assert passage["debut"].endswith("09:30") and passage["fin"].endswith("12:00")
    assert "vendredi" in passage["libelle"]


def test_commune_without_offer_still_gets_its_nearest(real_client, real_directory):
    with real_directory.connect() as c:
        code = c.execute(
            text(
                "SELECT c.code FROM commune c WHERE c.departement = '87' AND NOT EXISTS ("
                " SELECT 1 FROM offre o WHERE o.code_insee = c.code AND o.statut = 'active')"
                " AND NOT EXISTS (SELECT 1 FROM permanence p WHERE p.code_insee = c.code)"
                " ORDER BY c.population LIMIT 1"
            )
        ).scalar_one()
    body = _search(real_client, f"code_commune={code}")
    distances = [r["distance_km"] for r in body["resultats"]]
    # nearest first; a place known by its commune's centre after the exact ones of its
    # kilometre (so at most a kilometre out of the distance order)
    exact = [r["distance_km"] for r in body["resultats"] if not r["position_approximative"]]
    assert len(distances) == 20 and exact == sorted(exact) and distances[0] > 0
    assert all(a <= b + 1.0 for i, a in enumerate(distances) for b in distances[i + 1 :])
    assert all(r["duree_estimee_min"] >= 0 for r in body["resultats"])


def test_opening_time_filter_excludes_closed_offer(real_client):
    # Saint-Léonard's France Services: Mo,Fr 13:30-17:00; Tu-Th 09:00-12:30,13:30-17:00
    monday_morning = _search(real_client, "code_commune=87161&ouvert=2026-11-30T10:00&limite=50")
    tuesday_morning = _search(real_client, "code_commune=87161&ouvert=2026-12-01T10:00&limite=50")
    ids_monday = {r["id"] for r in monday_morning["resultats"]}
    fs_ids = {
        r["id"]
        for r in tuesday_morning["resultats"]
        if r["code_insee"] == "87161" and "Beaufort" in (r["adresse"] or "")
    }
    assert fs_ids, "open on Tuesday morning"
    assert not fs_ids & ids_monday, "closed on Monday morning"
    assert ids_monday, "other offers are open on Monday morning"


def test_remote_offers_never_carry_a_distance(real_client):
    body = _search(real_client, "code_postal=87000&limite=50")
    for offer in body["a_distance"]:
        assert offer.get("distance_km") is None and offer.get("duree_estimee_min") is None


def test_ranking_matches_an_independent_geodesic_computation(real_client, real_directory):
    """For random communes of 87, the API's nearest 'démarches' offers (by place, not by
    permanence) are the nearest by WGS84 geodesic distance computed here with geopandas."""
    with real_directory.connect() as c:
        offers = gpd.read_postgis(
            text(
                "SELECT id, point FROM offre WHERE statut = 'active'"
                " AND services @> ARRAY['demarches-administratives'] AND point IS NOT NULL"
                # placed at their commune's centre: ranked after the exact ones of their km
                " AND geo_precision IS DISTINCT FROM 'commune'"
            ),
            c,
            geom_col="point",
        )
        communes = gpd.read_postgis(
            text("SELECT code, point FROM commune WHERE departement = '87' ORDER BY code"),
            c,
            geom_col="point",
        )
    rng = random.Random(87)
    for _, commune in communes.sample(6, random_state=rng.randint(0, 10_000)).iterrows():
        origin = commune.point
        _, _, dist = GEOD.inv(
            [origin.x] * len(offers), [origin.y] * len(offers), offers.point.x, offers.point.y
        )
        expected = offers.assign(d=dist).sort_values(["d", "id"])
        body = _search(
            real_client,
            f"code_commune={commune.code}&services=demarches-administratives&limite=15",
        )
        got = [
            r
            for r in body["resultats"]
            if r["distance_depuis"] == "lieu" and not r["position_approximative"]
        ]
        for rank, result in enumerate(got[:10]):
            # same offer at the same rank, or a tie within a metre
            want = expected.iloc[rank]
            mine = expected.loc[expected.id == result["id"], "d"].iloc[0]
            assert abs(mine - want.d) < 1.0, (commune.code, rank, result["id"], want.id)
            assert abs(result["distance_km"] * 1000 - mine) < 10  # km rounded to 0.01
