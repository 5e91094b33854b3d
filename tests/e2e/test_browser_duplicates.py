"""End to end in headless Chromium, at 1280 and 375 px: an animator of 87 reads on the
back-office home page how many pairs of the real records of Haute-Vienne wait, follows the
link to the duplicates queue, merges a pair, undoes it, keeps another pair apart, and finds
the same count back home; no CSP violation, nothing wider than the screen. Screenshots go
to var/screenshots/doublons/."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import text

from etl.load import run_source
from mapdir.config import PROJECT_ROOT
from tests.imported import cut_87, imported
from tests.integration.test_auth import PASSWORD, drop_users, make_user

pytestmark = pytest.mark.e2e
SHOTS = PROJECT_ROOT / "var" / "screenshots" / "doublons"
RECORDER = (
    "window.__csp = [];"
    " document.addEventListener('securitypolicyviolation', function (e) {"
    "   window.__csp.push(e.violatedDirective + ' ' + e.blockedURI); });"
)


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


@pytest.fixture()
def driver(browser, before_page_scripts):
    before_page_scripts(RECORDER)
    yield browser
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def _width(driver, width: int) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 500},
    )


def _check(driver, name: str, width: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(Path(SHOTS, f"{name}-{width}.png")))
    assert driver.execute_script("return window.__csp") == [], name
    overflow = driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name} at {width} px is {overflow} px too wide"


def _click_and_load(driver, wait, button, message: str) -> None:
    """Click a button that posts and reloads the page; wait for the new page's message (the
    old page's #message would otherwise be read while it is being replaced)."""
    old = driver.find_element(By.TAG_NAME, "html")
    button.click()
    wait.until(lambda _driver: _detached(old))
    wait.until(ec.text_to_be_present_in_element((By.ID, "message"), message))


def _detached(element) -> bool:
    """Whether the page holding ``element`` was replaced. Selenium's staleness_of only
    expects StaleElementReferenceException; Chromium may instead answer « Node … does not
    belong to the document » (a plain WebDriverException) while the old page is torn down."""
    try:
        element.is_enabled()
    except WebDriverException:  # StaleElementReferenceException included
        return True
    return False


def _pending(driver) -> int:
    tab = driver.find_element(By.CSS_SELECTOR, "nav a[aria-current=page]").text
    return int(tab.rsplit("(", 1)[1].rstrip(")"))


@pytest.mark.parametrize("width", (1280, 375))
def test_merge_undo_and_keep_apart(driver, live_server, animator, engine, width):
    wait = WebDriverWait(driver, 15)
    _width(driver, width)
    driver.get(f"{live_server}/connexion")
    driver.delete_all_cookies()
    driver.get(f"{live_server}/connexion?suivant=/edition/")
    driver.find_element(By.ID, "email").send_keys(animator.email)
    driver.find_element(By.ID, "mot_de_passe").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    count = wait.until(ec.presence_of_element_located((By.ID, "compte-doublons")))
    before = int(count.text)
    assert before >= 5
    link = driver.find_element(By.ID, "lien-doublons")
    assert link.text == f"Examiner les doublons ({before})"
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    _check(driver, "tableau", width)
    link.click()
    wait.until(ec.url_contains("/edition/doublons"))
    first = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "article.doublon")))
    assert _pending(driver) == before  # the queue holds what the home page counts
    _check(driver, "file", width)

    pair_id = first.get_attribute("id").removeprefix("paire-")
    confirm = first.find_element(By.CSS_SELECTOR, "button[value=confirmer]")
    _click_and_load(driver, wait, confirm, "Fusion confirmée.")
    assert _pending(driver) == before - 1
    assert not driver.find_elements(By.ID, f"paire-{pair_id}")
    _check(driver, "fusionnee", width)
    with engine.connect() as conn:
        decision = conn.execute(
            text("SELECT decision FROM doublon WHERE id = :i"), {"i": int(pair_id)}
        ).scalar_one()
    assert decision == "fusion"

    _click_and_load(
        driver, wait, driver.find_element(By.ID, "annuler-derniere"), "Décision annulée."
    )
    assert _pending(driver) == before
    assert driver.find_elements(By.ID, f"paire-{pair_id}")

    last = driver.find_elements(By.CSS_SELECTOR, "article.doublon")[-1]
    last_id = last.get_attribute("id")
    reject = last.find_element(By.CSS_SELECTOR, "button[value=rejeter]")
    _click_and_load(driver, wait, reject, "restent distinctes")
    assert not driver.find_elements(By.ID, last_id)
    driver.find_element(By.LINK_TEXT, "Décidés par une personne").click()
    kept_apart = wait.until(ec.presence_of_element_located((By.ID, last_id)))
    assert "Gardées distinctes" in kept_apart.text
    _check(driver, "decides", width)
    undo = kept_apart.find_element(By.CSS_SELECTOR, "button[value=annuler]")
    _click_and_load(driver, wait, undo, "Décision annulée.")
    assert not driver.find_elements(By.ID, last_id)  # back in the queue, not decided

    driver.find_element(By.LINK_TEXT, "← Espace d'édition").click()
    count = wait.until(ec.presence_of_element_located((By.ID, "compte-doublons")))
    assert int(count.text) == before  # a merge and a rejection, both undone
