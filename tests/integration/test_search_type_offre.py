"""The prescribers' search by type d'offre (assistance, formation, accès libre), the type the
planner counts (mapdir.offers.type_offre): unknown is not "no" — an offer that says nothing
its type could be derived from is kept under any type asked, marked, and counted in a
warning; an offer of another type is left out."""

from __future__ import annotations

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

    def found(kind: str | None) -> tuple[dict[int, list[str] | None], list[str]]:
        filters = Filters(type_offre=kind, type_inconnu_inclus=True)
        body = search(conn, code_commune="87085", filters=filters, limite=100)
        mine = {r["id"]: r.get("types_offre") for r in body["resultats"] if r["id"] in ids.values()}
        return mine, body["avertissements"]

    formation, notes = found("formation")
    assert formation == {ids["atelier"]: ["formation"], ids["pix"]: ["formation"], ids["muet"]: []}
    assert [n for n in notes if "type" in n] == [
        "1 offre(s) ne disent pas leur type (ni service, ni façon d'être aidé, ni dispositif "
        "qui l'indique) : elles sont gardées, marquées « type d'offre non renseigné » ; "
        "vérifiez auprès d'elles."
    ]
    assistance, _ = found("assistance")
    assert set(assistance) == {ids["individuel"], ids["muet"]}  # equipment only: no type
    everything, notes = found(None)  # no filter: every offer, no « types_offre », no warning
    assert set(everything) == set(ids.values()) and set(everything.values()) == {None}
    assert not any("ne disent pas leur type" in n for n in notes)


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
    assert results and all(
        "formation" in r["types_offre"] or r["types_offre"] == [] for r in results
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
