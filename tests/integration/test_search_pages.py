"""The map site's HTML pages through the Flask test client: home form, results list (escaped
data, commune choice, remote offers), offer page timetable, fiche d'orientation, 400/404."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from mapdir.geo.services import communes_by_postcode

SCRIPT_NAME = "<script>alert(1)</script>"
INFOBULLE = "<div class='infobulle'><b>Lieu piégé</b></div>"
CDN_MARKERS = ("unpkg", "cdn.jsdelivr", "cdnjs")
WEEK_HOURS = "Mo-Fr 09:00-12:00,14:00-17:30; Sa 10:00-12:00"


def _insert_offer(conn, nom: str, code_insee: str | None, dlon: float = 0.0, **fields) -> int:
    columns = ["nom", "code_insee", "code_postal", "commune_nom", "point", *fields]
    commune = "FROM commune WHERE code = CAST(:code AS text)"
    point = (
        f"(SELECT ST_Translate(point, CAST(:dlon AS float8), 0) {commune})"
        if code_insee
        else "NULL"
    )
    values = [
        ":nom",
        "CAST(:code AS text)",
        "'87400'",
        f"(SELECT nom {commune})",
        point,
    ]
    values += [f":{k}" for k in fields]
    return conn.execute(
        text(f"INSERT INTO offre ({', '.join(columns)}) VALUES ({', '.join(values)}) RETURNING id"),
        {"nom": nom, "code": code_insee, "dlon": dlon, **fields},
    ).scalar_one()


@pytest.fixture(scope="module")
def offers(engine):
    """A few committed offers in 87 (the pages read through their own connections)."""
    today = date.today()
    with engine.begin() as conn:
        ids = {
            "script": _insert_offer(
                conn, SCRIPT_NAME, "87161", 0.002,
                services=["demarches-administratives"], telephones=["05 55 56 00 00"],
                date_maj=today - timedelta(days=800),
            ),
            "hours": _insert_offer(
                conn, "Médiathèque test des pages", "87161", 0.004,
                services=["outils-numeriques-quotidien"], horaires=WEEK_HOURS,
                adresse="1 rue de la Paix", date_maj=today - timedelta(days=10),
                publics=["Seniors"], frais=["Gratuit"],
            ),
            "bus": _insert_offer(
                conn, "Bus numérique test", "87085", 0.0,
                services=["demarches-administratives"], itinerance=["Itinérant"],
                date_maj=today - timedelta(days=250),
            ),
            "remote": _insert_offer(
                conn, "Aide à distance test", None,
                modalites_accompagnement=["À distance"], telephones=["3939"],
            ),
        }  # fmt: skip
        conn.execute(
            text(
                "INSERT INTO permanence (offre_id, code_insee, commune_nom, point, horaires, lieu)"
                " SELECT :id, code, nom, point, 'Tu 09:00-12:00', 'Salle des fêtes'"
                " FROM commune WHERE code = '87161'"
            ),
            {"id": ids["bus"]},
        )
        conn.execute(
            text(
                "INSERT INTO enregistrement_source (source, source_id, offre_id, brut, donnees,"
                " empreinte) VALUES ('haute-vienne', 'hv-test-1', :id,"
                " CAST(:brut AS jsonb), '{}'::jsonb, 'x')"
            ),
            {"id": ids["hours"], "brut": f'{{"infobulle": "{INFOBULLE}"}}'},
        )
        ids["merged"] = conn.execute(
            text(
                "INSERT INTO offre (nom, statut, fusionnee_dans) VALUES ('Doublon', 'fusionnee',"
                " :id) RETURNING id"
            ),
            {"id": ids["hours"]},
        ).scalar_one()
    yield ids
    with engine.begin() as conn:
        every = list(ids.values())
        conn.execute(text("DELETE FROM permanence WHERE offre_id = ANY(:ids)"), {"ids": every})
        conn.execute(
            text("DELETE FROM enregistrement_source WHERE offre_id = ANY(:ids)"), {"ids": every}
        )
        conn.execute(text("DELETE FROM offre WHERE id = :id"), {"id": ids["merged"]})
        conn.execute(text("DELETE FROM offre WHERE id = ANY(:ids)"), {"ids": every})


def _html(response) -> str:
    return response.get_data(as_text=True)


def _assert_no_cdn(html: str) -> None:
    for marker in CDN_MARKERS:
        assert marker not in html


def test_home_page_form(client):
    response = client.get("/")
    html = _html(response)
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    assert 'action="/recherche"' in html
    assert "faire une démarche CAF en ligne" in html
    assert "apprendre à se servir d&#39;un smartphone" in html
    assert html.count('name="services"') == 9
    assert "<details" in html and "Ouvert un jour donné (ex. : le mercredi matin)" in html
    # every visible field has a label
    for field_id in re.findall(r'<input[^>]*\bid="([^"]+)"', html):
        assert f'for="{field_id}"' in html, field_id
    _assert_no_cdn(html)


def test_results_list_escapes_data_and_offers_commune_choice(client, offers, engine):
    response = client.get("/recherche?lieu=87400")
    html = _html(response)
    assert response.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert" not in html
    assert "infobulle" not in html and "Lieu piégé" not in html
    assert "Médiathèque test des pages" in html
    announced = re.search(r'id="titre-resultats">\s*(\d+) lieu', html)
    assert announced and int(announced.group(1)) == html.count('class="resultat"') - 1
    assert "résultats trouvés" not in html and "résultat trouvé" not in html  # said once
    # the remote offer is listed apart, without distance
    remote = html.split('id="titre-distance"', 1)[1]
    assert "Aide à distance test" in remote and " km</span>" not in remote
    # several communes in 87400: one link per commune, each keeping the postcode search
    with engine.connect() as conn:
        communes = communes_by_postcode(conn, "87400")
    assert len(communes) > 1
    for commune in communes:
        assert f"%28{commune['code']}%29" in html  # lieu=Name (code)
    assert 'href="tel:0555560000"' in html
    assert "https://www.openstreetmap.org/directions?engine=fossgis_osrm_car" in html
    assert re.search(r"Prochain passage :</strong> mardi (1er|\d+) \w+, 9 h–12 h", html)
    # issue 18: every card dates its information in neutral words; only past 24 months
    # without confirmation does it warn (the 800-day-old offer), not at 250 days
    assert re.search(r"plus de 2 ans sans confirmation : téléphonez avant", html)
    assert html.count("sans confirmation") == 1, "only the 800-day-old offer warns"
    assert html.count('class="badge badge-neutre">Informations du ') >= 2
    assert "À vérifier" not in html and "12 mois" not in html
    assert html.count('name="offres"') >= 4
    assert 'id="carte-donnees"' in html and "vendor/leaflet/leaflet.js" in html
    _assert_no_cdn(html)


def test_results_filters_and_commune_choice(client, offers):
    html = _html(client.get("/recherche?lieu=87400&services=outils-numeriques-quotidien"))
    assert "Médiathèque test des pages" in html
    assert "&lt;script&gt;" not in html and "Bus numérique test" not in html
    chosen = client.get("/recherche?lieu=87400&code_commune=87161")
    assert chosen.status_code == 200
    assert "Saint-Léonard-de-Noblat" in _html(chosen).split("</h1>", 1)[0]
    by_name = _html(client.get("/recherche?lieu=Saint-L%C3%A9onard-de-Noblat"))
    assert "Médiathèque test des pages" in by_name


def test_ambiguous_commune_name_offers_a_choice(client):
    response = client.get("/recherche?lieu=Saint-Martin")
    html = _html(response)
    assert response.status_code == 200
    assert "Plusieurs communes correspondent" in html
    links = re.findall(r'href="/recherche\?lieu=[^"]*%28(\d[0-9AB]\d{3})%29"', html)
    assert len(set(links)) > 1


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("lieu=8740", "Code postal invalide"),
        ("lieu=87400&services=voyance", "Valeur inconnue"),
        ("lieu=87400&couleur=bleu", "Champ de formulaire inconnu"),
        ("lieu=87400&ouvert=date", "Indiquez le jour et l&#39;heure"),
        ("lieu=", "Indiquez un code postal ou une commune"),
    ],
)
def test_bad_input_shows_the_form_again_with_400(client, query, message):
    response = client.get(f"/recherche?{query}")
    html = _html(response)
    assert response.status_code == 400
    assert message in html
    assert 'role="alert"' in html and 'id="lieu"' in html
    assert "Traceback" not in html


def test_offer_page_timetable_and_provenance(client, offers):
    response = client.get(f"/offres/{offers['hours']}")
    html = _html(response)
    assert response.status_code == 200
    rows = dict(re.findall(r'<th scope="row">(\w+)[^<]*(?:<span[^>]*>[^<]*</span>)?</th>\s*'
                           r"<td>([^<]*)</td>", html))  # fmt: skip
    assert list(rows) == ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"]
    assert rows["Dimanche"] == "Fermé"
    assert rows["Samedi"] == "10 h–12 h"
    assert "9 h–12 h, 14 h–17 h 30" in rows.values()
    # the source's public name, not its code; dates in French (issue 18, prescribers 6)
    assert "Carte des acteurs du numérique de la Haute-Vienne" in html and "infobulle" not in html
    assert "haute-vienne" not in html.split('id="titre-offre"', 1)[1].split("<footer", 1)[0]
    assert "Seniors" in html and "Gratuit" in html
    _assert_no_cdn(html)


def test_offer_page_permanence_and_escaping(client, offers):
    bus = _html(client.get(f"/offres/{offers['bus']}"))
    assert "Salle des fêtes" in bus and re.search(r"mardi (1er|\d+) \w+, 9 h–12 h", bus)
    script = _html(client.get(f"/offres/{offers['script']}"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in script and "<script>alert" not in script


def test_merged_offer_redirects_and_unknown_offer_is_404(client, offers):
    response = client.get(f"/offres/{offers['merged']}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/offres/{offers['hours']}")
    kept = client.get(f"/offres/{offers['merged']}?retour=/recherche%3Flieu%3D87400")
    assert kept.headers["Location"].endswith("retour=/recherche?lieu%3D87400"), kept.headers
    missing = client.get("/offres/987654321")
    assert missing.status_code == 404
    assert "Aucune offre" in _html(missing)
    assert client.get("/offres/99999999999999999999999").status_code == 404


def test_fiche_with_note_posted(client, offers):
    note = "RDV mardi <b>10 h</b> avec Mme Dupont"
    results = _html(client.get("/recherche?lieu=87400"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', results).group(1)
    chosen = [str(offers["script"]), str(offers["hours"])]
    response = client.post("/fiche", data={"offres": chosen, "note": note, "csrf_token": token})
    html = _html(response)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "RDV mardi &lt;b&gt;10 h&lt;/b&gt; avec Mme Dupont" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "Ce qu'il faut apporter" in html
    assert "numéro allocataire CAF" in html  # démarches administratives
    assert "le code de déverrouillage" in html  # outils numériques du quotidien
    assert "css/print.css" in html and 'media="print"' in html
    _assert_no_cdn(html)


def test_fiche_by_get_and_its_errors(client, offers):
    response = client.get(f"/fiche?offres={offers['hours']},{offers['bus']}")
    html = _html(response)
    assert response.status_code == 200
    assert "Médiathèque test des pages" in html and "Bus numérique test" in html
    assert client.get("/fiche").status_code == 400
    assert client.get("/fiche?offres=abc").status_code == 400
    assert client.get("/fiche?offres=987654321").status_code == 404


def test_presentation_helpers_edge_cases():
    from datetime import datetime

    from mapdir.web.fiche import directions_url, safe_url, things_to_bring, weekly_timetable

    wednesday = datetime(2026, 12, 2, 11, 0)
    always = weekly_timetable("24/7", wednesday)
    assert [d["creneaux"] for d in always] == [["24 h/24"]] * 7
    assert [d["aujourdhui"] for d in always].index(True) == 2
    night = {d["jour"]: d["creneaux"] for d in weekly_timetable("Mo 22:00-02:00", wednesday)}
    assert night["Lundi"] == ["22 h–24 h"] and night["Mardi"] == ["0 h–2 h"]
    assert night["Mercredi"] == []
    christmas = {
        d["jour"]: d["creneaux"]
        for d in weekly_timetable("Mo-Fr 09:00-12:00; PH off", datetime(2026, 12, 23))
    }
    assert christmas["Vendredi"] == []  # 25 December 2026 is a Friday
    assert christmas["Jeudi"] == ["9 h–12 h"]
    assert weekly_timetable("le mardi matin", wednesday) is None
    assert weekly_timetable(None, wednesday) is None
    assert safe_url("javascript:alert(1)") is None and safe_url(" https://a.fr ") == "https://a.fr"
    url = directions_url((1.5, 45.8), {"point": {"coordinates": [1.25, 45.83]}})
    assert url.endswith("route=45.80000%2C1.50000%3B45.83000%2C1.25000")
    items = things_to_bring(["demarches-administratives", "materiel-prix-solidaire"])
    assert items.count("une pièce d'identité") == 1
    assert things_to_bring([]) and things_to_bring(["inconnu"]) == things_to_bring([])
