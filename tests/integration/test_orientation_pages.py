"""Issue 18 (prescribers 4–7) through the pages: the comparison of the chosen places, the
fiche d'orientation (what to bring once, the week of the planned visit, distance and times
from the person's commune), the offer page (a closed offer shows no next opening, a text
cut by its source says so, French dates, the way back to the results), the commune choice
page listing Saint-Léonard-de-Noblat with postcodes."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import text

HOURS = "Mo-Fr 09:00-12:00,14:00-17:00"


def _insert(conn, nom: str, code: str, dlon: float, **fields) -> int:
    columns = ", ".join(["nom", "code_insee", "commune_nom", "point", *fields])
    values = ", ".join([":nom", "c.code", "c.nom", "ST_Translate(c.point, :dlon, 0)",
                        *[f":{k}" for k in fields]])  # fmt: skip
    return conn.execute(
        text(f"INSERT INTO offre ({columns}) SELECT {values} FROM commune c WHERE c.code = :code"
             " RETURNING id"),
        {"nom": nom, "code": code, "dlon": dlon, **fields},
    ).scalar_one()  # fmt: skip


@pytest.fixture(scope="module")
def places(engine):
    with engine.begin() as conn:
        ids = {
            "near": _insert(conn, "Espace orientation A", "87085", 0.004, horaires=HOURS,
                            services=["demarches-administratives"], frais=["Gratuit"],
                            telephones=["05 55 00 00 01"], date_maj=date(2026, 3, 1)),
            "far": _insert(conn, "Espace orientation B", "87161", 0.0, horaires=HOURS,
                           services=["demarches-administratives", "outils-numeriques-quotidien"]),
            "third": _insert(conn, "Espace orientation C", "87085", -0.01, horaires=HOURS,
                             services=["demarches-administratives"], geo_precision="commune"),
            "closed": _insert(conn, "Espace fermé", "87085", 0.002, horaires=HOURS,
                              statut="fermee"),
            "cut": _insert(conn, "Espace coupé", "87085", 0.003,
                           horaires_texte="les lundis, mardis, jeudis et vendredis de 09h00 à"),
        }  # fmt: skip
    yield ids
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM offre WHERE id = ANY(:i)"), {"i": list(ids.values())})


def _limoges(client) -> str:
    html = client.get("/recherche?lieu=Limoges (87085)").get_data(as_text=True)
    return re.search(r'name="origine" value="([^"]+)"', html).group(1)


def test_fiche_three_places_brings_once_week_of_visit_and_distances(client, places):
    visit = date.today() + timedelta(days=10)
    form = {"offres": [places["near"], places["far"], places["third"]],
            "origine": _limoges(client), "origine_nom": "Limoges",
            "jour": visit.isoformat()}  # fmt: skip
    html = unescape(client.get("/fiche", query_string=form).get_data(as_text=True))
    assert html.count("Ce qu'il faut apporter") == 1
    assert html.count("une pièce d'identité") == 1, "the list once, without duplicates"
    week_end = visit + timedelta(days=6)
    assert f"Horaires du {visit:%d/%m} au {week_end:%d/%m}" in html
    assert "Visite prévue le " + visit.strftime("%d/%m/%Y") in html
    assert re.search(
        r"Depuis Limoges :</strong>\s*0,3 km, environ 1 min en voiture ou \d+ min à pied", html
    )
    assert re.search(r"Depuis Limoges :</strong>\s*environ \d+ km \(position approximative", html)
    assert re.search(
        r"Depuis Limoges :</strong>\s*1\d,\d km, environ \d+ min en voiture\s*</p>", html
    )


def test_fiche_rejects_a_bad_visit_date_and_origin(client, places):
    bad_day = client.get("/fiche", query_string={"offres": places["near"], "jour": "2026-13-40"})
    assert bad_day.status_code == 400 and "AAAA-MM-JJ" in bad_day.get_data(as_text=True)
    bad_origin = client.get("/fiche", query_string={"offres": places["near"], "origine": "x,1"})
    assert bad_origin.status_code == 400


def test_comparison_of_the_chosen_places(client, places):
    wednesday = date.today() + timedelta(days=(2 - date.today().weekday()) % 7 or 7)
    form = {"offres": f"{places['near']},{places['far']}", "origine": _limoges(client),
            "origine_nom": "Limoges", "jour": wednesday.isoformat(),
            "retour": "/recherche?lieu=87000"}  # fmt: skip
    html = unescape(client.get("/comparer", query_string=form).get_data(as_text=True))
    rows = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr>")[1:]
    assert len(rows) == 2 and "Espace orientation A" in rows[0]
    assert "9 h–12 h, 14 h–17 h" in rows[0], "the hours of the day of the visit"
    assert "Gratuit" in rows[0] and "non précisé" in rows[1]
    assert "0,3 km" in rows[0] and "Tous publics" in rows[0]
    assert 'href="/recherche?lieu=87000" id="retour-resultats"' in html
    elsewhere = dict(form, retour="https://example.org/")
    assert "example.org" not in client.get("/comparer", query_string=elsewhere).get_data(
        as_text=True
    )


def test_closed_offer_shows_no_next_opening_and_labels_its_status(client, places):
    html = unescape(client.get(f"/offres/{places['closed']}").get_data(as_text=True))
    assert "signalé comme fermé" in html and "fermee" not in html
    assert "prochaine ouverture" not in html and "Ouvert maintenant" not in html


def test_offer_page_says_a_cut_text_is_cut_dates_in_french_and_goes_back(client, places):
    back = "/recherche?lieu=87000&services=demarches-administratives"
    html = unescape(
        client.get(f"/offres/{places['cut']}", query_string={"retour": back}).get_data(as_text=True)
    )
    assert "coupé dans la source" in html
    assert f'href="{back}" id="retour-resultats"' in html
    near = unescape(client.get(f"/offres/{places['near']}").get_data(as_text=True))
    assert "Dernière mise à jour : 1er mars 2026" in near
    assert "Informations du 1er mars 2026" in near
    assert 'id="retour-resultats"' not in near


def test_commune_choice_lists_saint_leonard_de_noblat_with_postcodes(client):
    html = unescape(client.get("/recherche?lieu=st+leonard").get_data(as_text=True))
    assert "Saint-Léonard-de-Noblat (87400)" in html
    found = client.get("/api/v1/communes?q=saint-leonard-de-noblat").get_json()["communes"]
    assert found[0]["codes_postaux"] == ["87400"]


def test_results_page_hands_the_visit_context_to_fiche_and_comparison(client, places):
    html = client.get(
        "/recherche?lieu=87000&ouvert=jour&ouvert_jour=mercredi&ouvert_moment=matin"
    ).get_data(as_text=True)
    assert re.search(r'name="jour" value="\d{4}-\d\d-\d\d"', html)
    assert 'id="nombre-choisis">(0)</span>' in html and 'formaction="/comparer"' in html
    assert 'name="origine" value="' in html and 'name="retour" value="/recherche?' in html
