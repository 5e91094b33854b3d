"""A planner's journey in headless Chromium (1280 and 375 px): choose "sans voiture" and the
seniors' need, see the accessibility map and its legend, mistype the depot (a message on the
form), get 3 stops each with its French sentence and a rota, save two scenarios and compare
them, no "Publier" for a visitor; then the map to take away opens with no network and shows
the communes and the stops."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import text

from tests.e2e.conftest import CHROMEDRIVER, CHROMIUM

pytestmark = pytest.mark.e2e
PREFIX = "planner-journey "


@pytest.fixture(scope="module")
def directory(engine, shared_data):
    """A few offers (the 3 largest communes of 87) and the need indicators; removed after."""
    from mapdir.geo.indicators import import_indicators

    import_indicators(
        engine, shared_data / "indicateurs" / "fragilite-communes-rp2017.csv", progress=print
    )
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO offre (nom, code_insee, point, statut, horaires, geo_precision)"
                " SELECT :p || nom, code, point, 'active', 'Mo-Fr 09:00-12:00', 'commune'"
                " FROM commune WHERE departement = '87' ORDER BY population DESC LIMIT 3"
            ),
            {"p": PREFIX},
        )
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM offre WHERE nom LIKE 'planner-journey %'"))
        conn.execute(text("DELETE FROM indicateur_commune"))


def _wait_map(browser, n: int) -> None:
    WebDriverWait(browser, 60).until(
        lambda d: d.find_element(By.ID, "carte").get_attribute("data-communes") == str(n)
    )


def test_planner_journey(live_server, browser, directory, engine, tmp_path):
    with engine.connect() as conn:
        n = conn.execute(
            text("SELECT count(*) FROM commune WHERE departement = '87' AND geom IS NOT NULL")
        ).scalar_one()
    browser.set_window_size(1280, 900)
    browser.get(f"{live_server}/planification/87")
    _wait_map(browser, n)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#legende-carte li")) >= 3
    browser.find_element(By.CSS_SELECTOR, "input[name=mode][value=sans_voiture]").click()
    Select(browser.find_element(By.ID, "champ-besoin")).select_by_value("seniors")
    k = browser.find_element(By.ID, "champ-k")
    k.clear()
    k.send_keys("3")
    depot = browser.find_element(By.ID, "champ-depot")
    depot.send_keys("Nulle-Part-sur-Vienne")
    browser.find_element(By.ID, "bouton-calculer").click()
    message = WebDriverWait(browser, 60).until(lambda d: d.find_element(By.ID, "erreur-depot"))
    assert "Dépôt inconnu" in message.text
    assert "mode=sans_voiture" in browser.current_url
    depot = browser.find_element(By.ID, "champ-depot")
    depot.clear()
    depot.send_keys("Bellac (87011)")
    browser.find_element(By.ID, "bouton-calculer").click()
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#liste-arrets li"))
    _wait_map(browser, n)
    sentences = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#liste-arrets li")]
    assert len(sentences) == 3 and all("h pour 1 000" in s for s in sentences)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#carte .arret-marker")) == 3
    assert "Bellac" in browser.find_element(By.CSS_SELECTOR, "h3").text  # the depot
    days = browser.find_elements(By.CSS_SELECTOR, "#table-jours tbody tr")
    assert days and all(r.find_elements(By.TAG_NAME, "td")[3].text for r in days)
    assert not browser.find_elements(By.ID, "form-publier")  # a visitor cannot publish
    assert "suivant=" in browser.find_element(By.LINK_TEXT, "Connectez-vous").get_attribute("href")
    browser.save_screenshot(str(tmp_path / "planification-1280.png"))
    # two scenarios side by side
    browser.find_element(By.ID, "lien-enregistrer").click()
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.ID, "table-scenarios"))
    browser.find_element(By.CSS_SELECTOR, "input[name=mode][value=voiture]").click()
    browser.find_element(By.ID, "bouton-calculer").click()
    WebDriverWait(browser, 60).until(lambda d: "mode=voiture" in d.current_url)
    browser.find_element(By.ID, "lien-enregistrer").click()
    WebDriverWait(browser, 60).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#table-scenarios tbody tr")) == 2
    )
    modes = [
        r.find_elements(By.TAG_NAME, "td")[2].text
        for r in browser.find_elements(By.CSS_SELECTOR, "#table-scenarios tbody tr")
    ]
    assert modes == ["sans voiture (à pied)", "en voiture"]
    # a phone's width (emulated: a desktop window cannot be that narrow): the page still
    # works, no sideways scrolling of the page itself
    phone = {"width": 375, "height": 800, "deviceScaleFactor": 1, "mobile": True}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", phone)
    try:
        browser.refresh()
        _wait_map(browser, n)
        assert browser.execute_script("return window.innerWidth") == 375
        width = browser.execute_script("return document.documentElement.scrollWidth")
        assert width <= 375 + 1
        browser.save_screenshot(str(tmp_path / "planification-375.png"))
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_map_to_take_away_opens_offline(client, directory, engine):
    response = client.get("/planification/87/carte.html?mode=sans_voiture&besoin=seniors&k=3")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert "carte-87-sans_voiture-seniors-k3-" in disposition
    html = response.get_data(as_text=True)
    assert "<script src=" not in html and "cdn." not in html  # everything inlined
    with engine.connect() as conn:
        n = conn.execute(
            text("SELECT count(*) FROM commune WHERE departement = '87' AND geom IS NOT NULL")
        ).scalar_one()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="mapdir-offline-") as folder:
        path = Path(folder) / "carte.html"
        path.write_text(html, encoding="utf-8")
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in (
            "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            # no network: every request goes to a proxy that does not exist
            "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
            f"--user-data-dir={folder}/profile", "--window-size=1280,900",
        ):  # fmt: skip
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        try:
            driver.get(path.as_uri())
            WebDriverWait(driver, 30).until(
                lambda d: len(d.find_elements(By.CSS_SELECTOR, ".arret")) == 3
            )
            polygons = driver.execute_script(
                "return document.querySelectorAll('path.leaflet-interactive').length"
            )
            assert polygons >= n
            assert "zone blanche" in driver.find_element(By.CLASS_NAME, "legende-carte").text
        finally:
            driver.quit()
