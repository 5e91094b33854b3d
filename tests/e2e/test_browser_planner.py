"""End to end in headless Chromium: the planner page of 87 with a few synthetic offers, run
K = 5 from the form, see 5 stop markers on the map, 5 rota rows, and the commune choropleth."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import text

pytestmark = pytest.mark.e2e

PREFIX = "planner-e2e "


@pytest.fixture(scope="module")
def offers(engine):
    """Active offers at the 3 most populated communes of 87, deleted at teardown."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO offre (nom, code_insee, point, statut) SELECT :p || nom, code,"
                " point, 'active' FROM commune WHERE departement = '87'"
                " ORDER BY population DESC LIMIT 3"
            ),
            {"p": PREFIX},
        )
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM offre WHERE nom LIKE 'planner-e2e %'"))


def test_planner_page_runs_k5(live_server, browser, offers, engine):
    with engine.connect() as conn:
        n_communes = conn.execute(
            text("SELECT count(*) FROM commune WHERE departement = '87' AND geom IS NOT NULL")
        ).scalar_one()
    browser.get(f"{live_server}/planification/87")
    wait = WebDriverWait(browser, 30)
    wait.until(lambda d: d.find_element(By.ID, "carte").get_attribute("data-communes"))
    assert int(browser.find_element(By.ID, "carte").get_attribute("data-communes")) == n_communes
    assert browser.find_elements(By.CSS_SELECTOR, "#carte path.leaflet-interactive")
    k_field = browser.find_element(By.ID, "champ-k")
    k_field.clear()
    k_field.send_keys("5")
    browser.find_element(By.ID, "bouton-calculer").click()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#carte .arret-marker")) == 5)
    wait.until(lambda d: d.find_element(By.ID, "carte").get_attribute("data-communes"))
    markers = browser.find_elements(By.CSS_SELECTOR, "#carte .arret-marker")
    assert sorted(m.text for m in markers) == ["1", "2", "3", "4", "5"]
    rota_rows = browser.find_elements(By.CSS_SELECTOR, "#table-tournee tbody tr")
    stop_rows = browser.find_elements(By.CSS_SELECTOR, "#table-arrets tbody tr")
    assert len(rota_rows) == 5 and len(stop_rows) == 5
    assert "k=5" in browser.current_url
    # the gap table sorts on click (population, descending on the second click)
    header = browser.find_element(By.CSS_SELECTOR, "#table-communes th:nth-child(2)")
    header.click()
    header.click()
    populations = [
        int(td.text)
        for td in browser.find_elements(By.CSS_SELECTOR, "#table-communes tbody td:nth-child(2)")
    ]
    assert populations == sorted(populations, reverse=True) and len(populations) == n_communes
