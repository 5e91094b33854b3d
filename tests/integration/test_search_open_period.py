"""Searches open during a period ("ouvert le mercredi matin", a day, an interval): the
service, the JSON API and the form of the map site."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import text

from mapdir.hours.evaluate import Period
from mapdir.offers.search import Filters
from tests.search_factories import commune_point, insert_offer, search

MORNING = Period(datetime(2026, 12, 2, 8, 0), datetime(2026, 12, 2, 12, 0), "mercredi matin")


def test_open_during_the_morning_is_not_open_at_ten(conn):
    """An offer open from 10:30 is open on Wednesday morning but closed at 10:00; one open a
    quarter of an hour in the morning is not; nearer offers closed then are skipped."""
    lon, lat = commune_point(conn, "87085")
    for i in range(60):  # more than the first window: the index's slots skip them
        insert_offer(conn, f"Fermé {i}", lon + 0.0001 * i, lat, horaires="We 14:00-17:00")
    late = insert_offer(conn, "Dès 10 h 30", lon + 0.1, lat, horaires="We 10:30-12:00")
    short = insert_offer(conn, "Un quart d'heure", lon + 0.05, lat, horaires="We 11:45-12:30")
    early = insert_offer(conn, "Tôt", lon + 0.2, lat, horaires="We 07:00-10:30")
    unknown = insert_offer(conn, "Sans horaires", lon + 0.01, lat)
    body = search(conn, code_commune="87085", limite=3, filters=Filters(ouvert=MORNING))
    assert [r["id"] for r in body["resultats"]] == [late, early]
    assert all(r["ouvert_a_l_heure_demandee"] for r in body["resultats"])
    assert body["parametres"]["ouvert"] == "2026-12-02T08:00/2026-12-02T12:00"
    assert body["parametres"]["ouvert_libelle"] == "mercredi matin"
    assert body["avertissements"][0].startswith("1 lieu plus proche écarté faute"), body
    at_ten = search(
        conn, code_commune="87085", limite=3, filters=Filters(ouvert=datetime(2026, 12, 2, 10))
    )
    assert [r["id"] for r in at_ten["resultats"]] == [early]
    assert not {short, unknown} & {r["id"] for r in body["resultats"]}
    afternoon = Period(datetime(2026, 12, 2, 13), datetime(2026, 12, 2, 18))
    body = search(conn, code_commune="87085", limite=3, filters=Filters(ouvert=afternoon))
    assert [r["id"] for r in body["resultats"]] == [
        i for i, in conn.execute(text("SELECT id FROM offre WHERE nom IN ('Fermé 0', 'Fermé 1', "
                                      "'Fermé 2') ORDER BY nom")).all()
    ]  # fmt: skip


@pytest.fixture()
def wednesday_offers(engine):
    with engine.begin() as c:
        lon, lat = commune_point(c, "87085")
        ids = [
            insert_offer(c, "Matinale", lon, lat, code_insee="87085", horaires="We 10:30-12:00"),
            insert_offer(c, "Vespérale", lon + 0.01, lat, code_insee="87085",
                         horaires="We 14:00-17:00"),
        ]  # fmt: skip
    yield ids
    with engine.begin() as c:
        c.execute(text("DELETE FROM offre WHERE id = ANY(:ids)"), {"ids": ids})


def test_api_reads_days_parts_and_intervals(client, wednesday_offers):
    morning, afternoon = wednesday_offers

    def found(ouvert: str) -> list[int]:
        r = client.get(f"/api/v1/recherche?code_commune=87085&limite=5&ouvert={ouvert}")
        assert r.status_code == 200, r.get_json()
        return [x["id"] for x in r.get_json()["resultats"] if x["id"] in wednesday_offers]

    assert found("2026-12-02-matin") == [morning]
    assert found("2026-12-02-apres-midi") == [afternoon]
    assert found("2026-12-02") == [morning, afternoon]
    assert found("2026-12-02T11:00/2026-12-02T15:00") == [morning, afternoon]
    assert found("2026-12-02T10:00") == []
    assert found("mercredi-matin") == [morning]  # the next Wednesday morning
    assert found("jeudi") == []
    body = client.get("/api/v1/recherche?code_commune=87085&ouvert=2026-12-02-matin").get_json()
    assert body["parametres"]["ouvert_libelle"] == "mercredi 2 décembre, matin (8 h–12 h)"
    bad = client.get("/api/v1/recherche?code_commune=87085&ouvert=mercredi-nuit")
    assert bad.status_code == 400
    assert bad.get_json()["parametre"] == "ouvert"
    assert "mercredi-matin" in bad.get_json()["erreur"]


def test_form_searches_a_day_and_part_of_it(client, wednesday_offers):
    morning, afternoon = wednesday_offers
    home = client.get("/").get_data(as_text=True)
    assert 'id="ouvert_jour"' in home and '<label for="ouvert_moment">' in home
    assert "le mercredi matin" in home
    r = client.get("/recherche?lieu=87000&ouvert=jour&ouvert_jour=mercredi&ouvert_moment=matin")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert re.search(
        r"Lieux ouverts : mercredi \d+ (décembre|janvier|\w+), matin \(8 h–12 h\)", html
    )
    assert "Matinale" in html and "Vespérale" not in html
    # the same search without the opening time, one link away (offers without hours too)
    link = re.search(r'<a href="([^"]+)">Voir tous les lieux, quels que soient', html)
    assert link and "ouvert" not in link.group(1) and "lieu=87000" in link.group(1)
    everything = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "Matinale" in everything and "Vespérale" in everything
    # the choices stay selected in the form shown again
    assert re.search(r'<option value="mercredi"\s+selected', html)
    # a link with the API's own value works too
    linked = client.get("/recherche?lieu=87000&ouvert=mercredi-apres-midi").get_data(as_text=True)
    assert "Vespérale" in linked and "Matinale" not in linked
    for query in ("ouvert=jour&ouvert_jour=jamais", "ouvert=jour&ouvert_jour=&ouvert_moment=matin"):
        bad = client.get(f"/recherche?lieu=87000&{query}")
        assert bad.status_code == 400
        assert "Choisissez un jour et un moment" in bad.get_data(as_text=True)


def test_form_without_its_choice_ticked_uses_the_day_or_date_picked(client, wednesday_offers):
    """Without JavaScript, a day (or a date) picked while « Peu importe » stays ticked is
    what the prescriber meant: it applies, and the form shown again ticks its choice."""
    html = client.get(
        "/recherche?lieu=87000&ouvert=&ouvert_jour=2026-12-02&ouvert_moment=apres-midi"
    ).get_data(as_text=True)
    assert "Choisissez un jour" in html  # not a day of the list: refused, not ignored
    html = client.get(
        "/recherche?lieu=87000&ouvert=&ouvert_jour=mercredi&ouvert_moment=apres-midi"
    ).get_data(as_text=True)
    assert re.search(r"Lieux ouverts : mercredi \d+ \w+, après-midi", html)
    assert "Vespérale" in html and "Matinale" not in html
    assert re.search(r'id="ouvert-jour" name="ouvert" value="jour"\s+checked', html)
    html = client.get("/recherche?lieu=87000&ouvert=&ouvert_le=2026-12-02T10:45").get_data(
        as_text=True
    )
    assert "Lieux ouverts : mercredi 2 décembre à 10 h 45" in html
    assert "Matinale" in html and "Vespérale" not in html
    everything = client.get("/recherche?lieu=87000&ouvert=&ouvert_jour=").get_data(as_text=True)
    assert "Lieux ouverts" not in everything and "Vespérale" in everything
