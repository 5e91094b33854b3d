"""End to end in headless Chromium: search by postcode, result list and map markers, offer
page, fiche d'orientation with a note; a ``<script>`` name stays text; usable at 320 px."""

from __future__ import annotations

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import text

pytestmark = pytest.mark.e2e

SCRIPT_NAME = "<script>alert(1)</script>"
OFFERS = (
    (SCRIPT_NAME, "87161", 0.003, "Mo-Fr 09:00-17:00", ["demarches-administratives"]),
    ("Médiathèque e2e", "87161", -0.004, "Tu,Th 14:00-18:00", ["outils-numeriques-quotidien"]),
    ("Espace numérique e2e", "87085", 0.0, None, ["acces-internet-materiel"]),
)


@pytest.fixture(scope="module")
def offers(engine):
    """Three committed offers in 87, deleted at teardown."""
    ids = {}
    with engine.begin() as conn:
        for nom, code, dlon, hours, services in OFFERS:
            ids[nom] = conn.execute(
                text(
                    "INSERT INTO offre (nom, code_insee, code_postal, commune_nom, point,"
                    " horaires, services, telephones)"
                    " SELECT :nom, code, '87400', nom, ST_Translate(point, :dlon, 0), :hours,"
                    " :services, ARRAY['05 55 00 00 00'] FROM commune WHERE code = :code"
                    " RETURNING id"
                ),
                {"nom": nom, "code": code, "dlon": dlon, "hours": hours, "services": services},
            ).scalar_one()
    yield ids
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM offre WHERE id = ANY(:ids)"), {"ids": list(ids.values())})


def _wait(driver, condition, seconds: float = 15):
    return WebDriverWait(driver, seconds).until(condition)


def _assert_no_alert(driver) -> None:
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert  # noqa: B018 - the property raises when no alert is open


def test_search_map_offer_and_fiche(browser, live_server, offers):
    driver = browser
    driver.execute_cdp_cmd(  # record any alert() call (the real dialog still opens)
        "Page.addScriptToEvaluateOnNewDocument",
        {"source": "window.__alerted = false; var a = window.alert;"
                   " window.alert = function (m) { window.__alerted = true; a.call(window, m); };"},
    )  # fmt: skip
    driver.get(live_server + "/")
    field = driver.find_element(By.ID, "lieu")
    field.send_keys("87400")
    driver.find_element(By.CSS_SELECTOR, "form.search-form button[type=submit]").click()

    status = _wait(driver, ec.presence_of_element_located((By.ID, "titre-resultats")))
    count = int(status.text.split()[0])
    cards = driver.find_elements(By.CSS_SELECTOR, "ol.resultats > li.resultat")
    assert count == len(cards) >= 3
    names = [c.find_element(By.TAG_NAME, "h3").text for c in cards]
    assert SCRIPT_NAME in names  # shown as text, not run
    _assert_no_alert(driver)
    assert driver.execute_script("return window.__alerted") is False

    # the map: Leaflet from /static, markers or cluster icons in the DOM
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#carte .leaflet-marker-icon"))
    assert driver.find_element(By.ID, "carte").is_displayed()
    scripts = [s.get_attribute("src") for s in driver.find_elements(By.CSS_SELECTOR, "script")]
    assert any(s and s.startswith(live_server + "/static/vendor/leaflet/") for s in scripts)

    # choose two offers and a note for the fiche d'orientation (POST)
    for nom in (SCRIPT_NAME, "Médiathèque e2e"):
        box = driver.find_element(By.ID, f"choisir-{offers[nom]}")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
        box.click()
    note = driver.find_element(By.ID, "note")
    note.send_keys("Venir avec votre courrier de la CAF <b>")
    note.submit()
    _wait(driver, ec.presence_of_element_located((By.ID, "titre-fiche")))
    assert "/fiche" in driver.current_url and "note" not in driver.current_url
    body = driver.find_element(By.TAG_NAME, "body").text
    assert "Venir avec votre courrier de la CAF <b>" in body
    assert SCRIPT_NAME in body and "Médiathèque e2e" in body
    assert "Ce qu'il faut apporter" in body
    _assert_no_alert(driver)
    assert driver.execute_script("return window.__alerted") is False

    # the offer page: timetable and a small map
    driver.back()
    link = _wait(driver, ec.element_to_be_clickable((By.LINK_TEXT, "Médiathèque e2e")))
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    link.click()
    _wait(driver, ec.presence_of_element_located((By.ID, "titre-offre")))
    rows = driver.find_elements(By.CSS_SELECTOR, "table.horaires tbody tr")
    assert [r.find_element(By.TAG_NAME, "th").text.split()[0] for r in rows][0] == "Lundi"
    assert len(rows) == 7 and "14 h–18 h" in rows[1].text and "Fermé" in rows[0].text
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#carte .leaflet-marker-icon"))


def test_search_open_on_a_day_from_the_form(browser, live_server, offers):
    """Picking a day and a part of it ticks « Ouvert un jour donné » (recherche.js); the
    results keep the offers open then and say which opening was asked for."""
    driver = browser
    driver.get(live_server + "/")
    driver.find_element(By.ID, "lieu").send_keys("87400")
    driver.find_element(By.CSS_SELECTOR, "details.options > summary").click()
    assert not driver.find_element(By.ID, "ouvert-jour").is_selected()
    Select(driver.find_element(By.ID, "ouvert_jour")).select_by_value("mardi")
    Select(driver.find_element(By.ID, "ouvert_moment")).select_by_value("apres-midi")
    assert driver.find_element(By.ID, "ouvert-jour").is_selected()
    driver.find_element(By.CSS_SELECTOR, "form.search-form button[type=submit]").click()
    asked = _wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, ".critere-ouverture")))
    assert asked.text.startswith("Lieux ouverts : mardi ")
    assert "après-midi (13 h–18 h)" in asked.text
    names = [h.text for h in driver.find_elements(By.CSS_SELECTOR, "ol.resultats h3")]
    assert "Médiathèque e2e" in names and SCRIPT_NAME in names
    assert "Espace numérique e2e" not in names  # no hours: set aside


def test_results_usable_at_320_px(browser, live_server, offers):
    driver = browser
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 320, "height": 700, "deviceScaleFactor": 1, "mobile": True},
    )
    try:
        driver.get(live_server + "/recherche?lieu=87400")
        _wait(driver, ec.presence_of_element_located((By.ID, "titre-resultats")))
        width = driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= 320
        first = driver.find_element(By.CSS_SELECTOR, "ol.resultats > li.resultat")
        assert 0 < first.size["width"] <= 320
        _assert_no_alert(driver)
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
