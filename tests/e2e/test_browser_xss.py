"""Stored XSS through Leaflet (issue 19, finding 1): an offer and a commune (hence a planner
stop) named with an ``<img onerror>`` payload; hovering and clicking on every map of the site
(planner choropleth and stops, search results, offer page) shows the name as text and runs
nothing. The recorder of ``alert`` is installed before any page script runs."""

from __future__ import annotations

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import text

pytestmark = pytest.mark.e2e

PAYLOAD = "Tooltip <img src=x onerror=alert(1)> test"
COMMUNE_SUFFIX = " " + PAYLOAD
RECORDER = (
    "window.__alerted = false; var __a = window.alert;"
    " window.alert = function (m) { window.__alerted = true; return __a.call(window, m); };"
)
# the payload's element must never exist (even where a CSP would stop its handler)
INJECTED = "return document.querySelectorAll('img[src=\"x\"]').length"


@pytest.fixture(scope="module")
def poisoned(engine):
    """Payload-named offers at the 3 most populated communes of 87 and every commune of 87
    renamed with the payload (stops are communes); all restored at teardown."""
    with engine.begin() as conn:
        ids = conn.execute(
            text(
                "INSERT INTO offre (nom, code_insee, code_postal, commune_nom, point, statut)"
                " SELECT :p, code, '87000', nom, point, 'active' FROM commune"
                " WHERE departement = '87' ORDER BY population DESC LIMIT 3 RETURNING id"
            ),
            {"p": PAYLOAD},
        ).scalars()
        ids = list(ids)
        conn.execute(
            text("UPDATE commune SET nom = nom || :s WHERE departement = '87'"),
            {"s": COMMUNE_SUFFIX},
        )
    yield ids
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE commune SET nom = replace(nom, :s, '') WHERE departement = '87'"),
            {"s": COMMUNE_SUFFIX},
        )
        conn.execute(text("DELETE FROM offre WHERE id = ANY(:ids)"), {"ids": ids})


@pytest.fixture()
def driver(browser, before_page_scripts):
    before_page_scripts(RECORDER)
    return browser


def _wait(driver, condition, seconds: float = 30):
    return WebDriverWait(driver, seconds).until(condition)


def _assert_nothing_ran(driver) -> None:
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert  # noqa: B018 - the property raises when no alert is open
    assert driver.execute_script("return window.__alerted") is False
    assert driver.execute_script(INJECTED) == 0


def _hover_until_tooltip(driver, selector: str):
    """Hover the map's shapes one by one until Leaflet shows a tooltip; return its text."""
    for shape in driver.find_elements(By.CSS_SELECTOR, selector)[:60]:
        try:
            ActionChains(driver).move_to_element(shape).perform()
        except Exception:  # noqa: BLE001 - a shape outside the viewport: try the next one
            continue
        tips = driver.find_elements(By.CSS_SELECTOR, "#carte .leaflet-tooltip")
        if tips and tips[0].text:
            return tips[0].text
    raise AssertionError("no tooltip shown while hovering the map")


def _open_popup(driver, marker_selector: str) -> str:
    marker = _wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, marker_selector))
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", marker)
    marker.click()
    popup = _wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, ".leaflet-popup-content"))
    _wait(driver, lambda d: popup.text)
    return popup.text


def test_planner_map_tooltips_and_stop_popups_are_text(driver, live_server, poisoned):
    driver.get(f"{live_server}/planification/87?k=3")
    _wait(driver, lambda d: d.find_element(By.ID, "carte").get_attribute("data-communes"))
    tooltip = _hover_until_tooltip(driver, "#carte path.leaflet-interactive")
    assert PAYLOAD in tooltip  # the commune's name and its nearest offer's, as text
    _assert_nothing_ran(driver)
    stops = driver.find_elements(By.CSS_SELECTOR, "#carte .arret-marker")
    assert len(stops) == 3 and sorted(s.text for s in stops) == ["1", "2", "3"]
    assert PAYLOAD in _open_popup(driver, "#carte .arret-marker")
    _assert_nothing_ran(driver)


def test_results_and_offer_maps_popups_are_text(driver, live_server, poisoned):
    driver.get(f"{live_server}/recherche?lieu=87000")
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#carte .leaflet-marker-icon"))
    names = [h.text for h in driver.find_elements(By.CSS_SELECTOR, "ol.resultats h3")]
    assert PAYLOAD in names
    _assert_nothing_ran(driver)

    driver.get(f"{live_server}/offres/{poisoned[0]}")
    assert PAYLOAD in _open_popup(driver, "#carte .leaflet-marker-icon")
    origin = driver.find_elements(By.CSS_SELECTOR, "#carte path.leaflet-interactive")
    if origin:  # the search origin's circle has a fixed tooltip: hover it too
        _hover_until_tooltip(driver, "#carte path.leaflet-interactive")
    _assert_nothing_ran(driver)
