"""« Ajouter à mon agenda » in headless Chromium at 1280 and 375 px: the offer page and the
fiche d'orientation of an itinerant offer link to its calendar feed, and the feed the link
gives parses back with its passages."""

from __future__ import annotations

from pathlib import Path

import icalendar
import pytest
import requests
from selenium.webdriver.common.by import By
from sqlalchemy import text

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path("var/screenshots")


@pytest.fixture(scope="module")
def itinerant_offer(engine):
    with engine.begin() as conn:
        offer_id = conn.execute(
            text(
                "INSERT INTO offre (nom, code_insee, code_postal, commune_nom, point, horaires,"
                " itinerance, services, geo_precision)"
                " SELECT 'Bus numérique agenda', code, '87400', nom, point, NULL,"
                " ARRAY['Itinérant'], ARRAY['demarches-administratives'], 'commune'"
                " FROM commune WHERE code = '87161' RETURNING id"
            )
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO permanence (offre_id, code_insee, commune_nom, lieu, point,"
                " horaires, statut)"
                " SELECT :id, code, nom, 'Mairie', point, 'Fr[2] 09:30-12:00', 'active'"
                " FROM commune WHERE code = '87190'"
            ),
            {"id": offer_id},
        )
    yield offer_id
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM permanence WHERE offre_id = :id"), {"id": offer_id})
        conn.execute(text("DELETE FROM offre WHERE id = :id"), {"id": offer_id})


@pytest.mark.parametrize("width", [1280, 375])
def test_add_to_my_calendar(browser, live_server, itinerant_offer, width):
    browser.set_window_size(width, 1000)
    browser.get(f"{live_server}/offres/{itinerant_offer}")
    link = browser.find_element(By.LINK_TEXT, "Ajouter à mon agenda")
    href = link.get_attribute("href")
    assert href == f"{live_server}/offres/{itinerant_offer}/passages.ics"
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / f"agenda-offre-{width}.png"))
    assert browser.execute_script(
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    feed = icalendar.Calendar.from_ical(requests.get(href, timeout=30).content)
    events = list(feed.walk("VEVENT"))
    assert len(events) >= 3
    for event in events:
        start = event.decoded("dtstart")
        assert start.weekday() == 4 and 8 <= start.day <= 14  # second Friday
        assert (start.hour, start.minute) == (9, 30)
        assert str(event["location"]) == "Mairie, Sauviat-sur-Vige"

    browser.get(f"{live_server}/fiche?offres={itinerant_offer}")
    on_fiche = browser.find_element(By.LINK_TEXT, "Ajouter à mon agenda")
    assert on_fiche.get_attribute("href") == href
    browser.save_screenshot(str(SCREENSHOTS / f"agenda-fiche-{width}.png"))
