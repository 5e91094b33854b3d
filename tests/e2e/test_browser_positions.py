"""End to end in headless Chromium, at 1280 and 375 px (issue 18, animators 1): an animator
of 87 reads on the back-office home page how many offers have a position to check (the
source's coordinates contradict the commune), follows the link to their list, opens the
offer and settles it — at 1280 px by keeping the position, at 375 px by moving the pin in
the edit form — and finds one fewer at home; no CSP violation, nothing wider than the
screen. Screenshots go to var/screenshots/positions/."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

from mapdir.config import PROJECT_ROOT
from tests.e2e.journey import check_page, click_and_load, open_back_office
from tests.editing_world import LIMOGES, delete_offers, insert_location_conflict, insert_offer
from tests.integration.test_auth import PASSWORD, drop_users, make_user

pytestmark = pytest.mark.e2e
SHOTS = PROJECT_ROOT / "var" / "screenshots" / "positions"
NAME = "TEST-POSITION Espace numérique"
MESSAGE = "coordonnées de la source (45.03839, 5.66101) à 97,3 km de Limoges (87085)"


@pytest.fixture()
def to_check(engine, app):
    app.config["EDITING_GEOCODER"] = None
    offer_id = insert_offer(engine, LIMOGES, NAME, horaires=None)
    insert_location_conflict(engine, offer_id, f"{NAME} {offer_id}", MESSAGE)
    user = make_user(engine, "animateur", departement="87")
    yield offer_id, user
    delete_offers(engine, [offer_id])
    drop_users(engine, [user])


def _count(driver, wait) -> int:
    return int(wait.until(ec.presence_of_element_located((By.ID, "compte-positions"))).text)


@pytest.mark.parametrize("width", (1280, 375))
def test_from_the_dashboard_count_to_the_offer_settled(
    journey_driver, live_server, to_check, width
):
    driver, (offer_id, user) = journey_driver, to_check
    wait = open_back_office(driver, live_server, user.email, PASSWORD, width)
    before = _count(driver, wait)
    assert before >= 1
    link = driver.find_element(By.ID, "lien-positions")
    assert link.text == f"Toutes les positions à vérifier ({before})"
    check_page(driver, SHOTS, "tableau", width, show=link)

    link.click()
    row = wait.until(ec.presence_of_element_located((By.ID, f"position-{offer_id}")))
    assert MESSAGE in row.text
    assert len(driver.find_elements(By.CSS_SELECTOR, "#positions > li")) == before
    check_page(driver, SHOTS, "liste", width)

    row.find_element(By.LINK_TEXT, NAME).click()
    box = wait.until(ec.presence_of_element_located((By.ID, "position-a-verifier")))
    assert MESSAGE in box.text
    check_page(driver, SHOTS, "offre", width, show=box)

    if width >= 1000:  # kept as it is
        keep = driver.find_element(By.ID, "garder-position")
        click_and_load(driver, wait, keep, "vérifiée : elle est conservée", box="messages")
    else:  # moved by hand in the edit form
        driver.find_element(By.LINK_TEXT, "Modifier").click()
        latitude = wait.until(ec.presence_of_element_located((By.ID, "latitude")))
        latitude.clear()
        latitude.send_keys("45.8336")
        longitude = driver.find_element(By.ID, "longitude")
        longitude.clear()
        longitude.send_keys("1.2611")
        check_page(driver, SHOTS, "modifier", width)
        saved = driver.find_element(By.ID, "enregistrer")
        click_and_load(driver, wait, saved, "Modifications enregistrées", box="messages")
    assert not driver.find_elements(By.ID, "position-a-verifier")
    check_page(driver, SHOTS, "reglee", width)

    driver.find_element(By.LINK_TEXT, "← Espace d'édition").click()
    assert _count(driver, wait) == before - 1
