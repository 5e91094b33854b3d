"""End to end in headless Chromium, at 1280 and 375 px: an animator of 87 reads on the
back-office home page how many pairs of the real records of Haute-Vienne wait, follows the
link to the duplicates queue, merges a pair, undoes it, keeps another pair apart, and finds
the same count back home; no CSP violation, nothing wider than the screen. Screenshots go
to var/screenshots/doublons/."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from sqlalchemy import text

from etl.load import run_source
from mapdir.config import PROJECT_ROOT
from tests.e2e.journey import check_page, click_and_load, open_back_office
from tests.imported import cut_87, imported
from tests.integration.test_auth import PASSWORD, drop_users, make_user

pytestmark = pytest.mark.e2e
SHOTS = PROJECT_ROOT / "var" / "screenshots" / "doublons"


@pytest.fixture(scope="module")
def animator(engine, app, shared_data, tmp_path_factory):
    app.config["EDITING_GEOCODER"] = None
    files = cut_87(shared_data / "offers", tmp_path_factory.mktemp("cut87"))
    with imported(engine):
        for slug, path in files:
            run_source(engine, slug, path)
        user = make_user(engine, "animateur", departement="87")
        try:
            yield user
        finally:
            with engine.begin() as conn:
                conn.execute(text("UPDATE doublon SET decide_par_utilisateur = NULL WHERE id > 0"))
            drop_users(engine, [user])


def _pending(driver) -> int:
    tab = driver.find_element(By.CSS_SELECTOR, "nav a[aria-current=page]").text
    return int(tab.rsplit("(", 1)[1].rstrip(")"))


@pytest.mark.parametrize("width", (1280, 375))
def test_merge_undo_and_keep_apart(journey_driver, live_server, animator, engine, width):
    driver = journey_driver
    wait = open_back_office(driver, live_server, animator.email, PASSWORD, width)
    count = wait.until(ec.presence_of_element_located((By.ID, "compte-doublons")))
    before = int(count.text)
    assert before >= 5
    link = driver.find_element(By.ID, "lien-doublons")
    assert link.text == f"Examiner les doublons ({before})"
    check_page(driver, SHOTS, "tableau", width, show=link)
    link.click()
    wait.until(ec.url_contains("/edition/doublons"))
    first = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "article.doublon")))
    assert _pending(driver) == before  # the queue holds what the home page counts
    check_page(driver, SHOTS, "file", width)

    pair_id = first.get_attribute("id").removeprefix("paire-")
    confirm = first.find_element(By.CSS_SELECTOR, "button[value=confirmer]")
    click_and_load(driver, wait, confirm, "Fusion confirmée.")
    assert _pending(driver) == before - 1
    assert not driver.find_elements(By.ID, f"paire-{pair_id}")
    check_page(driver, SHOTS, "fusionnee", width)
    with engine.connect() as conn:
        decision = conn.execute(
            text("SELECT decision FROM doublon WHERE id = :i"), {"i": int(pair_id)}
        ).scalar_one()
    assert decision == "fusion"

    click_and_load(
        driver, wait, driver.find_element(By.ID, "annuler-derniere"), "Décision annulée."
    )
    assert _pending(driver) == before
    assert driver.find_elements(By.ID, f"paire-{pair_id}")

    last = driver.find_elements(By.CSS_SELECTOR, "article.doublon")[-1]
    last_id = last.get_attribute("id")
    reject = last.find_element(By.CSS_SELECTOR, "button[value=rejeter]")
    click_and_load(driver, wait, reject, "restent distinctes")
    assert not driver.find_elements(By.ID, last_id)
    driver.find_element(By.LINK_TEXT, "Décidés par une personne").click()
    kept_apart = wait.until(ec.presence_of_element_located((By.ID, last_id)))
    assert "Gardées distinctes" in kept_apart.text
    check_page(driver, SHOTS, "decides", width)
    undo = kept_apart.find_element(By.CSS_SELECTOR, "button[value=annuler]")
    click_and_load(driver, wait, undo, "Décision annulée.")
    assert not driver.find_elements(By.ID, last_id)  # back in the queue, not decided

    driver.find_element(By.LINK_TEXT, "← Espace d'édition").click()
    count = wait.until(ec.presence_of_element_located((By.ID, "compte-doublons")))
    assert int(count.text) == before  # a merge and a rejection, both undone
