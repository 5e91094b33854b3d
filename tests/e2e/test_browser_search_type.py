"""End to end in headless Chromium, at 1280 and 375 px: the search form's « Type d'offre »
keeps the offers of that type; one that does not say its type is counted among the places
left out for lack of information, one click includes it, marked; an offer of another type is
left out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import text

pytestmark = pytest.mark.e2e

OFFERS = (  # name, commune, longitude shift, services, accompaniment modes
    ("Atelier tablette e2e", "87161", 0.002, ["outils-numeriques-quotidien"],
     ["Dans un atelier collectif"]),
    ("Guichet d'aide e2e", "87161", -0.002, ["demarches-administratives"],
     ["Accompagnement individuel"]),
    ("Lieu sans précision e2e", "87161", 0.004, [], []),
)  # fmt: skip
SHOTS = Path(os.environ.get("MAPDIR_SCREENSHOTS", "var/screenshots"))


@pytest.fixture(scope="module")
def typed_offers(engine):
    """Three committed offers in 87 (one per case), deleted at teardown."""
    ids = {}
    with engine.begin() as conn:
        for nom, code, dlon, services, modes in OFFERS:
            ids[nom] = conn.execute(
                text(
                    "INSERT INTO offre (nom, code_insee, code_postal, commune_nom, point,"
                    " services, modalites_accompagnement)"
                    " SELECT :nom, code, '87400', nom, ST_Translate(point, :dlon, 0), :services,"
                    " :modes FROM commune WHERE code = :code RETURNING id"
                ),
                {"nom": nom, "code": code, "dlon": dlon, "services": services, "modes": modes},
            ).scalar_one()
    yield ids
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM offre WHERE id = ANY(:ids)"), {"ids": list(ids.values())})


@pytest.mark.parametrize("width", [1280, 375])
def test_search_by_type_of_offer(browser, live_server, typed_offers, width):
    driver = browser
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600},
    )
    try:
        driver.get(live_server + "/")
        driver.find_element(By.ID, "lieu").send_keys("87400")
        driver.find_element(By.CSS_SELECTOR, "details.options > summary").click()
        Select(driver.find_element(By.ID, "type_offre")).select_by_value("formation")
        SHOTS.mkdir(parents=True, exist_ok=True)
        driver.find_element(By.ID, "type_offre").location_once_scrolled_into_view  # noqa: B018
        driver.save_screenshot(str(SHOTS / f"recherche-type-offre-formulaire-{width}.png"))
        driver.find_element(By.CSS_SELECTOR, "form.search-form button[type=submit]").click()
        WebDriverWait(driver, 15).until(ec.presence_of_element_located((By.ID, "titre-resultats")))
        cards = {
            card.find_element(By.CSS_SELECTOR, "h3").text: card
            for card in driver.find_elements(By.CSS_SELECTOR, "ol.resultats > li.resultat")
        }
        assert "Atelier tablette e2e" in cards
        assert "Guichet d'aide e2e" not in cards  # assistance only
        assert "Lieu sans précision e2e" not in cards  # unknown: left out, counted
        shown = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#filtres-actifs li")]
        assert any(f.startswith("Type d'offre : Formation") for f in shown), shown
        left_out = driver.find_element(By.ID, "ecartes-inconnus")
        assert "faute d'information" in left_out.text
        assert "type d'offre non renseigné" in left_out.text, left_out.text
        kept = driver.find_element(By.ID, "type_offre").get_attribute("value")
        assert kept == "formation"  # the form keeps the choice
        assert driver.execute_script("return document.documentElement.scrollWidth") <= width
        left_out.location_once_scrolled_into_view  # noqa: B018
        driver.save_screenshot(str(SHOTS / f"recherche-type-offre-ecartes-{width}.png"))
        driver.find_element(By.ID, "inclure-inconnus").click()  # one click includes them
        WebDriverWait(driver, 15).until(ec.url_contains("inclure_inconnus=1"))
        WebDriverWait(driver, 15).until(ec.presence_of_element_located((By.ID, "titre-resultats")))
        cards = {
            card.find_element(By.CSS_SELECTOR, "h3").text: card
            for card in driver.find_elements(By.CSS_SELECTOR, "ol.resultats > li.resultat")
        }
        assert "Atelier tablette e2e" in cards and "Lieu sans précision e2e" in cards
        assert "Guichet d'aide e2e" not in cards
        lacks = cards["Lieu sans précision e2e"].find_elements(By.CSS_SELECTOR, ".manquant")
        assert [p.text for p in lacks] == ["À vérifier par téléphone : type d'offre non renseigné."]
        assert not cards["Atelier tablette e2e"].find_elements(By.CSS_SELECTOR, ".manquant")
        assert driver.execute_script("return document.documentElement.scrollWidth") <= width
        cards["Lieu sans précision e2e"].location_once_scrolled_into_view  # noqa: B018
        driver.save_screenshot(str(SHOTS / f"recherche-type-offre-{width}.png"))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
