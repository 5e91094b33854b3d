"""Issue 18, prescribers 1–3: what the data does not say is not "no". Publics named by none
is open to all; unknown accessibility, fees or hours leave an offer out but the answer
counts it and ``inclure_inconnus`` brings it back; places not receiving the public are not
proposed unless asked; an approximate position ranks after exact ones of its kilometre and
has no walking time; without a car, only what is within walking reach."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from mapdir.offers.filters import Filters, tag
from mapdir.offers.search import SearchRequest, search_offers
from tests.residents_names import OPEN, RESERVED, is_reserved
from tests.search_factories import NOW, commune_point, insert_offer, search

WEDNESDAY_MORNING = datetime(2026, 12, 2, 10, 0)


def _ids(body) -> list[int]:
    return [r["id"] for r in body["resultats"]]


def test_python_tag_is_the_sql_tag(conn):
    for dimension, value in (("publics", "Seniors"), ("frais", "Gratuit"), ("x", "l'été")):
        sql = conn.execute(text("SELECT etiquette(:d, :v)"), {"d": dimension, "v": value})
        assert sql.scalar_one() == tag(dimension, value)


def test_unknown_fees_accessibility_and_hours_are_counted_then_included(conn):
    lon, lat = commune_point(conn, "87085")
    unknown = insert_offer(conn, "Sans tarif", lon, lat, horaires="We 09:00-12:00")
    no_hours = insert_offer(conn, "Sans horaires", lon + 0.002, lat, frais=["Gratuit"])
    free = insert_offer(
        conn, "Gratuit", lon + 0.05, lat, frais=["Gratuit"], horaires="We 09:00-12:00",
        prise_en_charge=["Surdité"],
    )  # fmt: skip
    paid = insert_offer(conn, "Payant", lon + 0.001, lat, frais=["Payant"])
    filters = Filters(gratuit=True, ouvert=WEDNESDAY_MORNING)
    body = search(conn, code_commune="87085", filters=filters, limite=2)
    assert _ids(body) == [free]
    left = body["ecartes"]["faute_d_information"]
    assert (left["total"], left["frais"], left["horaires"]) == (2, 1, 1), left
    assert any("faute d'information" in note for note in body["avertissements"])
    relaxed = Filters(gratuit=True, ouvert=WEDNESDAY_MORNING, inclure_inconnus=True)
    body = search(conn, code_commune="87085", filters=relaxed, limite=3)
    assert _ids(body) == [unknown, no_hours, free], "nearest first, the unknown ones included"
    lacks = {r["id"]: r["informations_manquantes"] for r in body["resultats"]}
    assert lacks == {unknown: ["frais"], no_hours: ["horaires"], free: []}
    assert paid not in _ids(body), "'Payant' is no unknown"
    pec = search(conn, code_commune="87085", filters=Filters(prise_en_charge=("Surdité",)))
    assert pec["ecartes"]["faute_d_information"]["prise_en_charge"] >= 3


def test_publics_named_by_none_is_open_to_all(conn):
    lon, lat = commune_point(conn, "87085")
    everyone = insert_offer(conn, "Tous", lon, lat, services=["demarches-administratives"])
    youth = insert_offer(
        conn, "Jeunes", lon + 0.001, lat, services=["demarches-administratives"],
        publics=["Jeunes"],
    )  # fmt: skip
    seniors = Filters(services=("demarches-administratives",), publics=("Seniors",))
    found = _ids(search(conn, code_commune="87085", filters=seniors, limite=100))
    assert everyone in found and youth not in found


def test_places_not_receiving_the_public_are_proposed_only_when_asked(conn):
    lon, lat = commune_point(conn, "87085")
    closed = insert_offer(
        conn, "Siège", lon, lat, modalites_acces=["Ce lieu n'accueille pas de public"]
    )
    hostel = insert_offer(conn, "CHRS Les Tilleuls", lon + 0.0005, lat)
    typed = insert_offer(conn, "Résidence", lon + 0.0007, lat, typologie=["CADA"])
    body = search(conn, code_commune="87085", limite=5)
    assert not {closed, hostel, typed} & set(_ids(body))
    assert body["ecartes"]["sans_accueil_du_public"] == 3
    asked = search(conn, code_commune="87085", limite=5, filters=Filters(inclure_reserves=True))
    assert {closed, hostel, typed} <= set(_ids(asked))


def test_approximate_position_ranks_after_exact_ones_and_says_so(conn):
    lon, lat = commune_point(conn, "87085")
    approx = insert_offer(conn, "Centre de commune", lon, lat, geo_precision="commune")
    exact = insert_offer(conn, "Exact", lon + 0.008, lat, geo_precision="adresse")  # ≈ 600 m
    far = insert_offer(conn, "Loin", lon + 0.03, lat, geo_precision="adresse")  # ≈ 2.3 km
    body = search(conn, code_commune="87085", limite=100)
    order = [i for i in _ids(body) if i in (approx, exact, far)]
    assert order == [exact, approx, far]
    by_id = {r["id"]: r for r in body["resultats"]}
    assert by_id[approx]["position_approximative"] is True
    assert by_id[approx]["duree_a_pied_min"] is None, "no walking time to an unknown place"
    assert by_id[exact]["position_approximative"] is False
    walk_min = by_id[exact]["distance_km"] * 1.3 / 4.5 * 60  # ≈ 0.62 km × 1.3 at 4.5 km/h
    assert abs(by_id[exact]["duree_a_pied_min"] - walk_min) <= 0.5


def test_without_a_car_only_places_within_walking_reach(conn):
    lon, lat = commune_point(conn, "87085")
    near = insert_offer(conn, "Près", lon + 0.005, lat)
    far = insert_offer(conn, "Loin", lon + 0.06, lat)  # ≈ 4.7 km: beyond 30 min on foot
    car = search(conn, code_commune="87085", limite=100)
    assert {near, far} <= set(_ids(car))
    walking = search_offers(
        conn, SearchRequest(code_commune="87085", limite=100, sans_voiture=True), now=NOW
    )
    assert near in _ids(walking) and far not in _ids(walking)
    assert all(r["duree_a_pied_min"] is not None or r["position_approximative"]
               for r in walking["resultats"])  # fmt: skip
    assert walking["parametres"]["sans_voiture"] is True


def test_postgresql_reads_the_residents_only_names_as_python_does(conn):
    """The unit test runs the regex in Python; the search runs it in PostgreSQL."""
    row = "(SELECT :nom AS nom, CAST(:acces AS text[]) AS modalites_acces, '{}'::text[] typologie)"
    sql = text(f"SELECT {Filters().reserved_sql('o')} FROM {row} o")
    for name in RESERVED + OPEN:
        reserved = conn.execute(sql, {"nom": name, "acces": []}).scalar_one()
        assert reserved is is_reserved(name), name
    walk_in = conn.execute(sql, {"nom": "SAVS Les Iris", "acces": ["Se présenter"]})
    assert walk_in.scalar_one() is False, "the source says the public may walk in"
