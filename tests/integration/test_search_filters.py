"""Prescribers' search: list filters, tag and exact conditions, the opening-time filter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from mapdir.offers.filters import tag
from mapdir.offers.search import Filters
from mapdir.offers.search_sql import fetch, knn_sql
from tests.search_factories import (
    commune_point,
    insert_offer,
    search,
)


def test_filters_on_lists(conn):
    lon, lat = commune_point(conn, "87085")
    ids = {
        "admin_free_fs": insert_offer(
            conn,
            "A",
            lon,
            lat,
            services=["demarches-administratives"],
            frais=["Gratuit"],
            programmes=["France Services"],
            publics=["Seniors"],
        ),
        "admin_paid": insert_offer(
            conn,
            "B",
            lon + 0.01,
            lat,
            services=["demarches-administratives"],
            frais=["Payant"],
            prise_en_charge=["Surdité"],
        ),
        "smartphone": insert_offer(
            conn,
            "C",
            lon + 0.02,
            lat,
            services=["outils-numeriques-quotidien"],
            frais=["Gratuit sous condition"],
            modalites_accompagnement=["Dans un atelier collectif"],
        ),
    }

    def found(**filters):
        body = search(conn, code_commune="87085", filters=Filters(**filters))
        return {r["id"] for r in body["resultats"]} & set(ids.values())

    assert found(services=("demarches-administratives",)) == {
        ids["admin_free_fs"],
        ids["admin_paid"],
    }
    assert found(services=("demarches-administratives",), gratuit=True) == {ids["admin_free_fs"]}
    assert found(gratuit=True) == {ids["admin_free_fs"]}  # "Gratuit sous condition" is not free
    assert found(programmes=("France Services",)) == {ids["admin_free_fs"]}
    # "publics" says whom a place addresses specifically: naming none, it is open to all
    assert found(publics=("Seniors",)) == set(ids.values())
    assert found(publics=("Jeunes",)) == {ids["admin_paid"], ids["smartphone"]}
    assert found(prise_en_charge=("Surdité",)) == {ids["admin_paid"]}
    assert found(modalites_accompagnement=("Dans un atelier collectif",)) == {ids["smartphone"]}
    assert found(services=("loisirs-creations",)) == set()


def test_tag_conditions_narrow_and_exact_conditions_decide(conn):
    """A tag is a hash: the window's rows say whether the filter itself holds, and a row
    whose tags collide (forged here: tags of another service) counts in the window (its
    distance bounds the rest) but never in the answer."""
    sql = Filters(services=("b", "a"), gratuit=True, publics=("l'été",)).tags_literal_sql()
    assert "o.etiquettes && ARRAY[etiquette('services', 'a'),etiquette('services', 'b')]" in sql
    assert "o.etiquettes @> ARRAY[etiquette('frais', 'Gratuit')]" in sql
    summer = tag("publics", "l'été")
    assert f"o.etiquettes @@ '{summer} | !" in sql  # or open to all
    assert Filters().tags_literal_sql() == "TRUE"
    lon, lat = commune_point(conn, "87085")
    right = insert_offer(conn, "Juste", lon + 0.02, lat, services=["parentalite"])
    forged = insert_offer(conn, "Collision", lon, lat, services=["loisirs-creations"])
    conn.execute(text("ALTER TABLE offre DROP COLUMN etiquettes CASCADE"))
    conn.execute(text("ALTER TABLE offre ADD COLUMN etiquettes integer[]"))
    conn.execute(
        text("UPDATE offre SET etiquettes = offre_etiquettes(services, publics, "
             "prise_en_charge, frais, modalites_accompagnement, modalites_acces, programmes)")
    )  # fmt: skip
    conn.execute(
        text("UPDATE offre SET etiquettes = ARRAY[etiquette('services', 'parentalite')] "
             "WHERE id = :i"), {"i": forged}
    )  # fmt: skip
    parenting = Filters(services=("parentalite",))
    rows = fetch(conn, knn_sql(parenting, 40), {"origin": f"POINT({lon} {lat})"})
    assert [(r.id, r.conforme) for r in rows[:2]] == [(forged, False), (right, True)]
    body = search(conn, code_commune="87085", filters=parenting)
    assert [r["id"] for r in body["resultats"]] == [right]


def test_opening_filter_excludes_closed_and_unknown_and_tells_about_unknown_hours(conn):
    """200 nearby offers closed on Wednesdays (skipped in the index), an offer without hours
    nearer than the answer: the answer reaches the open ones further away and says how many
    offers it set aside for want of hours."""
    lon, lat = commune_point(conn, "87085")
    # 200 offers nearby, closed on Wednesdays: more than the first KNN window (40)
    for i in range(200):
        insert_offer(conn, f"Fermé {i}", lon + 0.0001 * i, lat, horaires="Mo,Tu 09:00-12:00")
    no_hours = insert_offer(conn, "Sans horaires", lon, lat + 0.0001)
    far_open = [
        insert_offer(conn, f"Ouvert {i}", lon + 0.5 + 0.01 * i, lat, horaires="We 09:00-12:00")
        for i in range(5)
    ]
    body = search(
        conn, code_commune="87085", limite=5, filters=Filters(ouvert=datetime(2026, 12, 2, 10, 0))
    )
    assert [r["id"] for r in body["resultats"]] == far_open
    assert all(r["ouvert_a_l_heure_demandee"] for r in body["resultats"])
    assert no_hours not in {r["id"] for r in body["resultats"]}
    # the offer without hours, nearer than the answer, is told about; unreadable hours
    # ("any time" in the index) evaluated as unknown count too
    assert body["avertissements"][0].startswith("1 lieu plus proche écarté faute"), body
    assert "horaires non renseignés" in body["avertissements"][0]
    assert body["ecartes"]["faute_d_information"]["horaires"] == 1
    insert_offer(conn, "Illisible", lon, lat + 0.0002, horaires="lundi matin")
    body = search(
        conn, code_commune="87085", limite=5, filters=Filters(ouvert=datetime(2026, 12, 2, 10, 0))
    )
    assert [r["id"] for r in body["resultats"]] == far_open
    assert body["avertissements"][0].startswith("2 lieux plus proches"), body
    for i in range(10):  # counted up to N: the note says "at least"
        insert_offer(conn, f"Sans horaires {i}", lon, lat + 0.001 + 0.0001 * i)
    body = search(
        conn, code_commune="87085", limite=5, filters=Filters(ouvert=datetime(2026, 12, 2, 10, 0))
    )
    assert body["avertissements"][0].startswith("Au moins "), body
    assert body["ecartes"]["faute_d_information"]["au_moins"] is True
    # a Monday morning: the closest closed-on-Wednesday offers are back
    monday = search(
        conn, code_commune="87085", limite=5, filters=Filters(ouvert=datetime(2026, 11, 30, 10, 0))
    )
    assert not set(far_open) & {r["id"] for r in monday["resultats"]}


def test_opening_filter_answers_nothing_open_and_sees_new_hours(conn):
    """Offers that cannot be open at the asked time are skipped in the index (their
    half-hour slots): nothing open anywhere is an empty answer at once, and a change of
    hours moves the offer's slots in the same transaction."""
    lon, lat = commune_point(conn, "87085")
    for i in range(100):
        insert_offer(conn, f"Fermé {i}", lon + 0.0001 * i, lat, horaires="Mo 09:00-12:00")
    wednesday = Filters(ouvert=datetime(2026, 12, 2, 10, 0))
    assert search(conn, code_commune="87085", limite=3, filters=wednesday)["resultats"] == []
    late = insert_offer(conn, "Ouvert le mercredi", lon + 1.0, lat, horaires="Tu 08:00-09:00")
    conn.execute(text("UPDATE offre SET horaires = 'We 08:00-18:00' WHERE id = :i"), {"i": late})
    body = search(conn, code_commune="87085", limite=3, filters=wednesday)
    assert [r["id"] for r in body["resultats"]] == [late]
    # hours the database cannot read are evaluated exactly: open then, found
    odd = insert_offer(conn, "Horaires rares", lon + 2.0, lat, horaires="Dec We 10:00-11:00")
    body = search(conn, code_commune="87085", limite=3, filters=wednesday)
    assert [r["id"] for r in body["resultats"]] == [late, odd]
