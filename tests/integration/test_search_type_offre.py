"""The prescribers' search by type d'offre (assistance, formation, accès libre), the type the
planner counts (mapdir.offers.type_offre): unknown is not "no" — an offer that says nothing
its type could be derived from is one more unknown of the search (as accessibility, fees,
hours): left out and counted among the places left out for lack of information, included
with ``inclure_inconnus`` and then marked; an offer of another type is left out."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from mapdir.offers.search import Filters
from mapdir.offers.type_offre import TYPES, is_unknown, types_of, unknown_sql
from tests.search_factories import commune_point, insert_offer, search


def test_type_filter_keeps_the_offers_of_that_type_and_those_of_unknown_type(conn):
    lon, lat = commune_point(conn, "87085")
    ids = {
        "atelier": insert_offer(
            conn, "Atelier", lon, lat, modalites_accompagnement=["Dans un atelier collectif"]
        ),
        "pix": insert_offer(conn, "PIX", lon + 0.01, lat, programmes=["Certification PIX"]),
        "individuel": insert_offer(
            conn, "Aide", lon + 0.02, lat, modalites_accompagnement=["Accompagnement individuel"]
        ),
        "materiel": insert_offer(
            conn, "Matériel", lon, lat + 0.01, services=["materiel-prix-solidaire"]
        ),
        "muet": insert_offer(conn, "Rien de dit", lon + 0.03, lat),
    }

    def found(kind: str | None, include: bool = False) -> tuple[dict[int, Any], dict]:
        filters = Filters(type_offre=kind, inclure_inconnus=include)
        body = search(conn, code_commune="87085", filters=filters, limite=100)
        mine = {
            r["id"]: (r.get("types_offre"), r["informations_manquantes"])
            for r in body["resultats"]
            if r["id"] in ids.values()
        }
        return mine, body

    formation, body = found("formation")
    assert formation == {ids["atelier"]: (["formation"], []), ids["pix"]: (["formation"], [])}
    left = body["ecartes"]["faute_d_information"]
    assert left["type_offre"] >= 1 and left["total"] >= left["type_offre"], left
    note = [n for n in body["avertissements"] if "faute d'information" in n]
    assert len(note) == 1 and f"{left['type_offre']} : type d'offre non renseigné" in note[0]
    included, body = found("formation", include=True)
    assert included == {
        ids["atelier"]: (["formation"], []),
        ids["pix"]: (["formation"], []),
        ids["muet"]: ([], ["type_offre"]),
    }
    assert body["ecartes"]["faute_d_information"]["total"] == 0
    assistance, _ = found("assistance")
    assert set(assistance) == {ids["individuel"]}  # equipment only: a known "no type"
    assistance, _ = found("assistance", include=True)
    assert set(assistance) == {ids["individuel"], ids["muet"]}
    everything, body = found(None)  # no filter: every offer, no « types_offre », none left out
    assert set(everything) == set(ids.values())
    assert {t for t, _lacks in everything.values()} == {None}
    assert body["ecartes"]["faute_d_information"]["type_offre"] == 0


def test_an_unknown_type_nearer_than_the_answer_is_counted_past_a_window_of_other_types(conn):
    """The type is no tag of the index: the window may hold only offers of other types; an
    offer of unknown type nearer than the answer's last is still counted."""
    lon, lat = commune_point(conn, "87085")
    for i in range(45):  # the KNN window's nearest: all of another type (assistance)
        insert_offer(conn, f"Aide {i}", lon + 0.0001 * i, lat,
                     modalites_accompagnement=["Accompagnement individuel"])  # fmt: skip
    insert_offer(conn, "Rien de dit", lon + 0.01, lat)
    insert_offer(
        conn, "Atelier", lon + 0.02, lat, modalites_accompagnement=["Dans un atelier collectif"]
    )
    insert_offer(conn, "PIX", lon + 0.03, lat, programmes=["Certification PIX"])
    body = search(conn, code_commune="87085", filters=Filters(type_offre="formation"), limite=2)
    assert [r["nom"] for r in body["resultats"]] == ["Atelier", "PIX"]
    assert body["ecartes"]["faute_d_information"]["type_offre"] >= 1, body["ecartes"]


def test_unknown_type_sql_and_python_agree_on_real_offers(real_directory):
    with real_directory.connect() as conn:
        rows = conn.execute(
            text(
                f"SELECT o.id, o.services, o.modalites_accompagnement, o.programmes, "
                f"{unknown_sql()} FROM offre o WHERE o.statut = 'active'"
            )
        ).all()
    assert len(rows) > 200
    unknown = [r.id for r in rows if r[4]]
    assert unknown == [r.id for r in rows if is_unknown(r[1], r[2], r[3])]
    # an offer is either of some type, of unknown type, or equipment only (a known "none")
    for r in rows:
        assert bool(types_of(r[1], r[2], r[3])) != bool(r[4]) or set(r[1]) <= {
            "materiel-prix-solidaire"
        }, r.id
    assert set(TYPES) == {"assistance", "formation", "acces_libre"}


def test_the_api_reads_type_offre_and_says_what_it_accepts(real_client):
    ok = real_client.get("/api/v1/recherche?code_commune=87085&limite=5&type_offre=formation")
    assert ok.status_code == 200
    results = ok.get_json()["resultats"]
    assert results and all("formation" in r["types_offre"] for r in results)
    with_unknown = real_client.get(
        "/api/v1/recherche?code_commune=87085&limite=100&type_offre=formation&inclure_inconnus=1"
    ).get_json()["resultats"]
    assert all(
        ("formation" in r["types_offre"]) != ("type_offre" in r["informations_manquantes"])
        for r in with_unknown
    )
    bad = real_client.get("/api/v1/recherche?code_commune=87085&type_offre=cours")
    assert bad.status_code == 400
    assert bad.get_json() == {
        "erreur": "Valeur inconnue pour « type_offre » : « cours ». Valeurs possibles : "
        "acces_libre, assistance, formation.",
        "parametre": "type_offre",
    }
    plain = real_client.get("/api/v1/recherche?code_commune=87085&limite=5").get_json()
    assert all("types_offre" not in r for r in plain["resultats"])
