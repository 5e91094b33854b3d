"""Prescribers' search: ranking against independent geodesic computations, postcode and
far origins, permanences and their next dates, remote offers, freshness."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from mapdir.offers.search import Filters
from mapdir.offers.search_sql import candidates_sql, fetch
from tests.search_factories import (
    NOW,
    commune_point,
    communes_87,
    geodesic_m,
    haversine_m,
    insert_offer,
    insert_permanence,
    search,
)


def test_ranking_matches_independent_geodesic_and_haversine(conn):
    rng = random.Random(87)
    communes = communes_87(conn)
    offers = {}
    for i in range(50):
        _code, lon, lat = rng.choice(communes)
        lon, lat = lon + rng.uniform(-0.05, 0.05), lat + rng.uniform(-0.05, 0.05)
        offers[insert_offer(conn, f"Lieu {i}", lon, lat)] = (lon, lat)
    for code, olon, olat in rng.sample(communes, 6):
        body = search(conn, code_commune=code, limite=20)
        got = [r["id"] for r in body["resultats"]]
        exact = sorted(offers, key=lambda k: geodesic_m(olon, olat, *offers[k]))
        assert got == exact[:20], code
        hav = {k: haversine_m(olon, olat, *p) for k, p in offers.items()}
        for r in body["resultats"]:
            expected_km = geodesic_m(olon, olat, *offers[r["id"]]) / 1000
            assert r["distance_km"] == pytest.approx(expected_km, abs=0.006)
            assert r["distance_km"] == pytest.approx(hav[r["id"]] / 1000, rel=0.006, abs=0.01)
            assert r["duree_estimee_min"] == round(expected_km * 1.3 / 50 * 60)
        # haversine agrees with the order except for pairs closer than its 0.5 % error
        for a, b in zip(got, got[1:], strict=False):
            assert hav[a] <= hav[b] * 1.006


def test_postcode_origin_measures_from_the_nearest_commune_of_the_postcode(conn):
    rng = random.Random(874)
    postcode_points = [
        commune_point(conn, c)
        for c in conn.execute(
            text("SELECT code_insee FROM code_postal WHERE code_postal = '87400'")
        ).scalars()
    ]
    assert len(postcode_points) > 1
    offers = {}
    for i in range(40):
        lon, lat = rng.uniform(1.2, 1.8), rng.uniform(45.6, 46.0)
        offers[insert_offer(conn, f"P{i}", lon, lat)] = (lon, lat)
    body = search(conn, code_postal="87400", limite=15)
    assert {c["code"] for c in body["origine"]["communes"]} and body["origine"]["mode"] == (
        "code_postal"
    )
    nearest = {k: min(geodesic_m(x, y, *p) for x, y in postcode_points) for k, p in offers.items()}
    assert [r["id"] for r in body["resultats"]] == sorted(nearest, key=nearest.get)[:15]


def test_offer_in_origin_commune_first_at_equal_distance(conn):
    lon, lat = commune_point(conn, "87085")
    other = insert_offer(conn, "Voisine", lon + 0.01, lat, code_insee="87113")
    inside = insert_offer(conn, "Dans Limoges", lon + 0.01, lat, code_insee="87085")
    assert inside > other
    ids = [r["id"] for r in search(conn, code_commune="87085", limite=2)["resultats"]]
    assert ids == [inside, other]


def test_commune_far_from_every_offer_still_gets_n_results(conn):
    lon, lat = commune_point(conn, "87085")
    for i in range(25):
        insert_offer(conn, f"Limoges {i}", lon + i * 0.001, lat)
    body = search(conn, code_commune="93066", limite=20)  # Saint-Denis, ~350 km away
    assert len(body["resultats"]) == 20
    assert all(r["distance_km"] > 300 for r in body["resultats"])
    distances = [r["distance_km"] for r in body["resultats"]]
    assert distances == sorted(distances)


def test_antimeridian_and_far_origins_get_their_true_nearest(conn):
    """Planar degrees put an offer just across the antimeridian 359° away; the search must
    still prove (or fall back to the spherical walk) and find it first."""
    rng = random.Random(180)
    lon, lat = commune_point(conn, "87085")
    for i in range(150):  # plenty of offers nearer in planar terms, thousands of km away
        insert_offer(conn, f"Métropole {i}", lon + rng.uniform(-1, 1), lat + rng.uniform(-1, 1))
    across = insert_offer(conn, "Île voisine", 179.95, -14.3)
    behind = insert_offer(conn, "Même côté", -178.0, -14.3)
    body = search(conn, lat=-14.3, lon=-179.95, limite=5)
    ids = [r["id"] for r in body["resultats"]]
    assert ids[:2] == [across, behind]
    expected_km = geodesic_m(-179.95, -14.3, 179.95, -14.3) / 1000
    assert abs(body["resultats"][0]["distance_km"] - expected_km) < 0.01
    distances = [r["distance_km"] for r in body["resultats"]]
    assert distances == sorted(distances)


def test_origin_rows_say_whether_an_offer_lies_beyond_the_latitude_cap(conn):
    """The tighter planar bound assumes no active offer beyond 52°: checked by the first
    statement itself, north and south."""
    sql = candidates_sql(Filters(), "commune", 40, 5000, 100, 52.0, 30)

    def beyond() -> list[bool]:
        return [r.beyond for r in fetch(conn, sql, {"code_commune": "87085"}) if r.kind == "o"]

    assert beyond() == [False]
    for lat in (60.0, -60.0):
        far = insert_offer(conn, "Très loin", 10.0, lat)
        assert beyond() == [True]
        conn.execute(text("UPDATE offre SET statut = 'fermee' WHERE id = :id"), {"id": far})
        assert beyond() == [False]  # only active offers count


def test_permanence_in_origin_commune_brings_its_offer_with_next_dates(conn):
    lon, lat = commune_point(conn, "87085")
    bus = insert_offer(conn, "Bus numérique", lon, lat, itinerance=["Itinérant"])
    merged = insert_offer(conn, "Bus (doublon)", lon, lat)
    conn.execute(
        text("UPDATE offre SET statut = 'fusionnee', fusionnee_dans = :s WHERE id = :m"),
        {"s": bus, "m": merged},
    )
    for i in range(30):  # fixed offers nearer to the origin than Limoges
        insert_offer(conn, f"Fixe {i}", 1.02 + i * 0.001, 46.2)
    insert_permanence(conn, merged, "87011", "Fr[2] 09:30-12:00")  # Bellac, ~40 km north
    body = search(conn, code_commune="87011", limite=10)
    first = body["resultats"][0]
    assert first["id"] == bus and first["distance_depuis"] == "permanence"
    assert first["distance_km"] == 0 and first["dans_commune_origine"]
    passage = first["prochains_passages"][0]
    assert passage["debut"] == "2026-12-11T09:30" and passage["commune"] == "Bellac"
    assert passage["libelle"] == "vendredi 11 décembre, 9 h 30–12 h"
    assert first["prochains_passages"][1]["debut"] == "2027-01-08T09:30"
    assert merged not in {r["id"] for r in body["resultats"]}


def test_passages_of_the_nearest_stop_come_first(conn):
    """The stop the distance is measured to gives the first passages, even when another
    stop nearby has an earlier one; each stop's passages by date."""
    near = conn.execute(
        text("SELECT b.code FROM commune a JOIN commune b ON b.code <> a.code "
             "AND ST_DWithin(a.point::geography, b.point::geography, 5000) "
             "WHERE a.code = '87011' ORDER BY b.code LIMIT 1")
    ).scalar_one()  # fmt: skip
    bus = insert_offer(conn, "Bus numérique", 1.5, 45.5, itinerance=["Itinérant"])
    later_here = insert_permanence(conn, bus, "87011", "Fr[2] 09:30-12:00")  # 11 December
    sooner_there = insert_permanence(conn, bus, near, "Mo 09:00-12:00", lieu="Salle")  # 7 Dec.
    body = search(conn, code_commune="87011", limite=3)
    first = next(r for r in body["resultats"] if r["id"] == bus)
    assert first["distance_km"] == 0 and first["distance_depuis"] == "permanence"
    passages = first["prochains_passages"]
    assert [p["permanence_id"] for p in passages[:2]] == [later_here, later_here]
    assert passages[0]["debut"] == "2026-12-11T09:30" and passages[0]["distance_km"] == 0
    there = [p for p in passages if p["permanence_id"] == sooner_there]
    assert there and passages.index(there[0]) > 0
    assert there[0]["debut"] == "2026-12-07T09:00" and 0 < there[0]["distance_km"] <= 5
    assert [p["debut"] for p in there] == sorted(p["debut"] for p in there)


def test_remote_offers_are_apart_and_never_carry_a_distance(conn):
    lon, lat = commune_point(conn, "87085")
    nowhere = insert_offer(
        conn, "Hotline", None, None, code_insee="87085", modalites_accompagnement=["À distance"]
    )
    remote_only = insert_offer(conn, "Visio", lon, lat, modalites_accompagnement=["À distance"])
    hybrid = insert_offer(
        conn,
        "Mixte",
        lon,
        lat,
        modalites_accompagnement=["À distance", "Accompagnement individuel"],
    )
    body = search(conn, code_commune="87085", limite=5)
    remote_ids = [r["id"] for r in body["a_distance"]]
    assert nowhere in remote_ids and remote_only in remote_ids and hybrid not in remote_ids
    assert hybrid in {r["id"] for r in body["resultats"]}
    assert not {nowhere, remote_only} & {r["id"] for r in body["resultats"]}
    assert all("distance_km" not in r and "duree_estimee_min" not in r for r in body["a_distance"])


def test_freshness_statuses(conn):
    lon, lat = commune_point(conn, "87085")
    today = NOW.date()
    fresh = insert_offer(conn, "Frais", lon, lat, date_maj=today - timedelta(days=30))
    stale = insert_offer(conn, "À vérifier", lon, lat, date_maj=today - timedelta(days=250))
    old = insert_offer(conn, "Ancien", lon, lat, date_maj=date(2024, 1, 1))
    confirmed = insert_offer(
        conn, "Confirmé", lon, lat, date_maj=date(2024, 1, 1), confirmed_at=NOW - timedelta(days=10)
    )
    body = search(conn, code_commune="87085", limite=10)
    status = {r["id"]: r["fraicheur"]["statut"] for r in body["resultats"]}
    assert status[fresh] == "a_jour" and status[stale] == "a_verifier"
    assert status[old] == "obsolete" and status[confirmed] == "a_jour"
