"""The strict Content-Security-Policy breaks nothing (issue 19, finding 10): every kind of
page, at 1280 and 375 px, with its maps, autocomplete, hours grid and print button working
and not one CSP violation reported by Chromium. Screenshots go to var/screenshots/csp/."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import text

from mapdir.config import PROJECT_ROOT
from tests.integration.test_auth import PASSWORD, drop_users, make_user

pytestmark = pytest.mark.e2e

SHOTS = PROJECT_ROOT / "var" / "screenshots" / "csp"
RECORDER = (
    "window.__csp = [];"
    " document.addEventListener('securitypolicyviolation', function (e) {"
    "   window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile"
    "     + ':' + e.lineNumber); });"
)
WIDTHS = (1280, 375)


@pytest.fixture(scope="module")
def world(engine, app):
    app.config["EDITING_GEOCODER"] = None
    with engine.begin() as conn:
        ids = list(
            conn.execute(
                text(
                    "INSERT INTO offre (nom, code_insee, code_postal, commune_nom, point,"
                    " statut, horaires) SELECT 'CSP e2e ' || nom, code, '87000', nom, point,"
                    " 'active', 'Mo-Fr 09:00-12:00' FROM commune WHERE departement = '87'"
                    " ORDER BY population DESC LIMIT 4 RETURNING id"
                )
            ).scalars()
        )
    user = make_user(engine, "admin")
    yield ids, user
    drop_users(engine, [user])
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM modification WHERE offre_id = ANY(:i)"), {"i": ids})
        conn.execute(
            text("DELETE FROM doublon WHERE offre_a = ANY(:i) OR offre_b = ANY(:i)"), {"i": ids}
        )
        conn.execute(text("DELETE FROM offre WHERE id = ANY(:i)"), {"i": ids})


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


def _wait(driver, condition, seconds: float = 30):
    return WebDriverWait(driver, seconds).until(condition)


def _check(driver, name: str, width: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(Path(SHOTS, f"{name}-{width}.png")))
    violations = driver.execute_script("return window.__csp")
    assert violations == [], f"{name} at {width} px: {violations}"


@pytest.mark.parametrize("width", WIDTHS)
def test_public_pages_work_under_the_policy(driver, live_server, world, width):
    ids, _user = world
    _width(driver, width)
    driver.get(live_server + "/")
    field = driver.find_element(By.ID, "lieu")
    field.send_keys("Limo")  # the autocomplete fetches /api/v1/communes (connect-src)
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#suggestions li"))
    _check(driver, "accueil", width)

    driver.get(live_server + "/recherche?lieu=87000")
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#carte .leaflet-marker-icon"))
    _check(driver, "resultats", width)

    driver.get(f"{live_server}/offres/{ids[0]}")
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#carte .leaflet-marker-icon"))
    _check(driver, "offre", width)

    driver.get(f"{live_server}/fiche?offres={ids[0]}&offres={ids[1]}")
    _wait(driver, ec.visibility_of_element_located((By.ID, "imprimer")))  # fiche.js ran
    _check(driver, "fiche", width)

    driver.get(f"{live_server}/offres/{ids[0]}/signaler")
    honeypot = driver.find_element(By.ID, "site_internet")
    assert honeypot.location["x"] < 0  # hidden by the stylesheet, not a style attribute
    _check(driver, "signaler", width)

    driver.get(f"{live_server}/planification/87?k=3")
    _wait(driver, lambda d: d.find_element(By.ID, "carte").get_attribute("data-communes"))
    assert len(driver.find_elements(By.CSS_SELECTOR, "#carte .arret-marker")) == 3
    swatch = driver.find_element(By.CSS_SELECTOR, ".legende .pastille-blanche")
    assert swatch.value_of_css_property("background-color") == "rgba(140, 45, 4, 1)"
    _check(driver, "planification", width)


def test_back_office_works_under_the_policy(driver, live_server, world):
    ids, user = world
    driver.get(f"{live_server}/connexion")
    _check(driver, "connexion", 1280)
    driver.find_element(By.ID, "email").send_keys(user.email)
    driver.find_element(By.ID, "mot_de_passe").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    _wait(driver, ec.url_contains("/edition/"))
    _check(driver, "edition", 1280)
    for width in WIDTHS:
        _width(driver, width)
        driver.get(f"{live_server}/edition/offres/{ids[0]}/modifier")
        _wait(driver, ec.element_to_be_clickable((By.ID, "grille-Mo-matin")))  # horaires.js
        _check(driver, "formulaire", width)
    for path, name in (("/edition/import", "import"), ("/edition/fraicheur", "fraicheur")):
        driver.get(live_server + path)
        _check(driver, name, 1280)
    driver.find_element(By.CSS_SELECTOR, "form[action='/deconnexion'] button").click()
    _wait(driver, ec.url_contains("/connexion"))
