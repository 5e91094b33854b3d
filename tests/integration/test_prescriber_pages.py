"""Issue 18 (prescribers) on the real Haute-Vienne directory through the pages: the seniors
search from 87190 proposes Arnac-la-Poste, not Confolens; cards say "Tous publics", the
hours of the day searched for and walking times; the active filters are listed with a link
removing each; what a filter left out for lack of information is counted with a link
including it; the favicon exists; the count is said once."""

from __future__ import annotations

import re
from html import unescape

SENIORS = (
    "/recherche?lieu=87190&services=demarches-administratives&publics=seniors"
    "&ouvert=jour&ouvert_jour=mercredi&ouvert_moment=matin"
)


def _cards(html: str) -> list[str]:
    return html.split('<li class="resultat"')[1:]


def test_seniors_from_87190_are_sent_to_arnac_la_poste(real_client):
    api = real_client.get(
        "/api/v1/recherche?code_postal=87190&services=demarches-administratives"
        "&publics=seniors&ouvert=mercredi-matin"
    ).get_json()
    first = api["resultats"][0]
    assert first["commune_nom"] == "Arnac-la-Poste" and 5.0 < first["distance_km"] < 6.5
    assert all(r["commune_nom"] != "Confolens" for r in api["resultats"][:5])
    html = real_client.get(SENIORS).get_data(as_text=True)
    cards = _cards(html)
    assert "Arnac-la-Poste" in cards[0] and "5,8 km" in cards[0]
    assert "Tous publics" in cards[0]
    assert re.search(r"Mercredi \d+ décembre :</strong> 9 h", unescape(cards[0])), cards[0]
    assert "prochaine ouverture" not in cards[0]


def test_active_filters_are_listed_each_with_a_removing_link(real_client):
    html = unescape(real_client.get(SENIORS).get_data(as_text=True))
    block = html.split('id="filtres-actifs"', 1)[1].split("</div>", 1)[0]
    assert "Public : Seniors" in block and "Ouvert : mercredi" in block
    assert "Besoin : Faire une démarche administrative en ligne" in block
    links = re.findall(r'href="([^"]+)" class="retirer"', block)
    assert len(links) == 3
    assert any("publics=" not in link and "services=" in link for link in links)


def test_left_out_for_lack_of_information_is_counted_with_a_link_including_it(real_client):
    html = unescape(real_client.get(SENIORS).get_data(as_text=True))
    note = html.split('id="ecartes-inconnus"', 1)[1].split("</p>", 1)[0]
    assert "faute d'information" in note and "horaires non renseignés" in note
    include = re.search(r'href="([^"]+)" id="inclure-inconnus"', note).group(1)
    assert "inclure_inconnus=1" in include
    included = unescape(real_client.get(include).get_data(as_text=True))
    assert "À vérifier par téléphone : horaires non renseignés" in included
    assert 'id="ecartes-inconnus"' not in included


def test_walking_time_within_reach_and_the_sans_voiture_search(real_client):
    html = unescape(real_client.get("/recherche?lieu=87000").get_data(as_text=True))
    first = _cards(html)[0]
    assert "min à pied" in first and "Itinéraire à pied" in first and "fossgis_osrm_foot" in first
    walking = unescape(
        real_client.get("/recherche?lieu=87000&sans_voiture=1").get_data(as_text=True)
    )
    assert "Recherche <strong>sans voiture</strong>" in walking
    minutes = [int(m) for m in re.findall(r'class="duree-pied distance">(\d+) min à pied', walking)]
    assert minutes and minutes == sorted(minutes) and max(minutes) <= 30
    far = unescape(real_client.get("/recherche?lieu=87190&sans_voiture=1").get_data(as_text=True))
    assert "à portée de marche" in far  # nothing within 30 min of Magnac-Laval's communes?


def test_favicon_and_the_count_said_once(real_client):
    icon = real_client.get("/favicon.ico")
    assert icon.status_code == 301
    assert real_client.get(icon.headers["Location"]).status_code == 200
    html = real_client.get(SENIORS).get_data(as_text=True)
    assert 'rel="icon"' in html and "résultats trouvés" not in html


def test_residents_only_places_of_toulouse_are_left_out_counted_and_included_on_request(
    real_client,
):
    """31000 (all sources): the medico-social services of their admitted users (« [AGAPEI]
    |MDPH| EANM SAVS L'OCCITAN », an ESAT, an ITEP, a post-cure centre…) placed at
    Toulouse's centre came first; they are left out, counted, and back in one click."""
    reserved = ("EANM SAVS L'OCCITAN", "ESAT CATIC", "ITEP LOUIS BIVES", "CENTRE POST CURE")
    api = real_client.get("/api/v1/recherche?code_postal=31000&limite=20").get_json()
    names = [r["nom"] for r in api["resultats"]]
    assert names and not [n for n in names if any(r in n for r in reserved)], names
    assert api["ecartes"]["sans_accueil_du_public"] >= len(reserved)
    html = unescape(real_client.get("/recherche?lieu=31000").get_data(as_text=True))
    assert not any(r in _cards(html)[0] for r in reserved)
    note = html.split('id="ecartes-reserves"', 1)[1].split("</p>", 1)[0]
    left = api["ecartes"]["sans_accueil_du_public"]
    assert f"{left} lieux plus proches réservés à leurs résidents" in note, note
    include = re.search(r'href="([^"]+)">Les afficher', note).group(1)
    assert "inclure_reserves=1" in include
    included = unescape(real_client.get(include).get_data(as_text=True))
    assert all(r in included for r in reserved)
    assert 'id="ecartes-reserves"' not in included
