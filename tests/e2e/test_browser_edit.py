"""End to end in headless Chromium: an animator logs in, fills Monday morning in the weekly
hours grid, saves, and sees the new OSM hours on the offer page and in its history."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import text

from tests.editing_world import LIMOGES, delete_offers, insert_offer
from tests.integration.test_auth import PASSWORD, drop_users, make_user

pytestmark = pytest.mark.e2e
NAME = "Atelier e2e édition"


@pytest.fixture(scope="module")
def edit_world(engine, app):
    app.config["EDITING_GEOCODER"] = None
    offer_id = insert_offer(engine, LIMOGES, NAME, horaires=None)
    user = make_user(engine, "animateur", departement="87")
    yield offer_id, user
    drop_users(engine, [user])
    delete_offers(engine, [offer_id])


def test_login_edit_hours_with_the_grid(browser, live_server, edit_world, engine):
    offer_id, user = edit_world
    wait = WebDriverWait(browser, 15)
    browser.get(f"{live_server}/connexion")
    browser.find_element(By.ID, "email").send_keys(user.email)
    browser.find_element(By.ID, "mot_de_passe").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait.until(ec.url_contains("/edition/"))

    browser.get(f"{live_server}/edition/offres/{offer_id}/modifier")
    monday_morning = wait.until(ec.element_to_be_clickable((By.ID, "grille-Mo-matin")))
    start = browser.find_element(By.ID, "grille-Mo-matin-debut")
    start.clear()
    start.send_keys("09:30")
    monday_morning.click()
    hours = browser.find_element(By.ID, "horaires")
    wait.until(lambda _d: hours.get_attribute("value") == "Mo 09:30-12:00")
    browser.find_element(By.ID, "enregistrer").click()

    wait.until(ec.presence_of_element_located((By.ID, "offre-nom")))
    assert browser.find_element(By.ID, "champ-horaires").text == "Mo 09:30-12:00"
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT horaires FROM offre WHERE id = :i"), {"i": offer_id}
        ).scalar_one()
    assert stored == "Mo 09:30-12:00"

    browser.get(f"{live_server}/offres/{offer_id}/historique")
    after = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "td.apres")))
    assert after.text == "Mo 09:30-12:00"
    assert user.email in browser.find_element(By.CSS_SELECTOR, "article.change h2").text

    # the grid reads the saved value back
    browser.get(f"{live_server}/edition/offres/{offer_id}/modifier")
    box = wait.until(ec.presence_of_element_located((By.ID, "grille-Mo-matin")))
    assert box.is_selected()
    assert not browser.find_element(By.ID, "grille-Tu-matin").is_selected()
