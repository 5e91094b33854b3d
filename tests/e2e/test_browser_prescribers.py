"""Issue 18 (prescribers) in headless Chromium on the real Haute-Vienne directory: the seniors
search from 87190 proposes Arnac-la-Poste (≈ 5.8 km), not Confolens (41 km); the commune
autocomplete closes when the focus leaves it (a click on a need card no longer picks a
commune); the sticky button counts the chosen places; a fiche of three places prints on one
A4 page (Chromium's print to PDF, pages counted); at 1280 and 375 px nothing overflows."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from mapdir import create_app
from mapdir.config import PROJECT_ROOT, Settings
from tests.e2e.conftest import serve

pytestmark = pytest.mark.e2e
SHOTS = PROJECT_ROOT / "var" / "screenshots"

SENIORS = (
    "/recherche?lieu=87190&services=demarches-administratives&publics=seniors"
    "&ouvert=jour&ouvert_jour=mercredi&ouvert_moment=matin"
)


@pytest.fixture(scope="module")
def real_server(real_directory) -> Iterator[str]:
    """The site on the real directory, served on 127.0.0.1 (a random free port)."""
    url = real_directory.url.render_as_string(hide_password=False)
    app = create_app(Settings.from_env({"DATABASE_URL": url, "MAPDIR_SECURE_COOKIES": "0"}))
    yield from serve(app)


def _wait(driver, condition, seconds: float = 20):
    return WebDriverWait(driver, seconds).until(condition)


def _pdf_pages(driver) -> int:
    """Pages of the current page printed to PDF by Chromium (A4, the page's @page rules)."""
    pdf = driver.execute_cdp_cmd(
        "Page.printToPDF", {"preferCSSPageSize": True, "printBackground": False}
    )
    data = base64.b64decode(pdf["data"])
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", data))


@pytest.mark.parametrize("width", [1280, 375])
def test_seniors_from_87190_find_arnac_la_poste_and_print_three_places_on_one_page(
    browser, real_server, width
):
    driver = browser
    driver.set_window_size(width, 900)
    driver.get(real_server + SENIORS)
    first = _wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, "li.resultat")))
    assert "Arnac-la-Poste" in first.text and "5,8 km" in first.text
    assert "Confolens" not in first.text
    assert "Tous publics" in first.text and re.search(r"Mercredi \d+ décembre : 9 h", first.text)
    filters = driver.find_element(By.ID, "filtres-actifs").text
    assert "Public : Seniors" in filters
    assert driver.execute_script("return document.documentElement.scrollWidth") <= width
    # choose three places: the sticky button counts them
    boxes = driver.find_elements(By.CSS_SELECTOR, 'input[name="offres"]')[:3]
    for box in boxes:
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", box)
        box.click()
    counter = driver.find_element(By.ID, "nombre-choisis")
    assert counter.text == "(3)"
    bar = driver.find_element(By.ID, "selection-barre")
    assert bar.value_of_css_property("position") == "sticky" and bar.is_displayed()
    driver.find_element(By.ID, "bouton-fiche").click()
    _wait(driver, ec.presence_of_element_located((By.ID, "titre-fiche")))
    assert len(driver.find_elements(By.CSS_SELECTOR, "section.fiche-offre")) == 3
    assert driver.page_source.count("Ce qu'il faut apporter") == 1
    assert "Depuis 87190" in driver.find_element(By.CSS_SELECTOR, "section.fiche-offre").text
    assert _pdf_pages(driver) == 1


def test_autocomplete_closes_when_the_focus_leaves_it(browser, real_server):
    driver = browser
    driver.set_window_size(1280, 900)
    driver.get(real_server + "/")
    field = _wait(driver, ec.element_to_be_clickable((By.ID, "lieu")))
    field.send_keys("Dompierre-les-Egl")
    suggestions = driver.find_element(By.ID, "suggestions")
    _wait(driver, lambda d: suggestions.is_displayed() and suggestions.text)
    assert re.search(r"Dompierre-les-Églises \(87190\)", suggestions.text), suggestions.text
    assert "—" not in suggestions.text and "(87)" not in suggestions.text  # no INSEE code
    # typing more then leaving at once: the answer arriving late must not reopen the list
    field.send_keys("i")
    # the focus leaves at once (Tab), before the answer to "…Egli" arrives: it must not
    # reopen the list over the need cards
    field.send_keys(Keys.TAB)
    _wait(driver, lambda d: not suggestions.is_displayed())
    driver.execute_script("return new Promise(r => setTimeout(r, 800));")
    assert not suggestions.is_displayed()
    driver.find_element(By.CSS_SELECTOR, 'label[for="service-2"]').click()
    assert field.get_attribute("value") == "Dompierre-les-Egli", "the origin did not change"
    assert driver.find_element(By.ID, "service-2").is_selected()


@pytest.mark.parametrize("width", [1280, 375])
def test_toulouse_residents_only_places_are_left_out_and_back_in_one_click(
    browser, real_server, width
):
    """31000: « [AGAPEI] |MDPH| EANM SAVS L'OCCITAN » (a service of its admitted users) came
    first; the page says how many such places it left out, and shows them on request."""
    driver = browser
    driver.set_window_size(width, 900)
    driver.get(real_server + "/recherche?lieu=31000")
    first = _wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, "li.resultat")))
    assert "EANM" not in first.text and "|MDPH|" not in first.text
    cards = " ".join(c.text for c in driver.find_elements(By.CSS_SELECTOR, "li.resultat"))
    assert "EANM SAVS" not in cards and "ESAT CATIC" not in cards
    note = driver.find_element(By.ID, "ecartes-reserves")
    assert re.match(r"\d+ lieux plus proches réservés à leurs résidents", note.text), note.text
    assert driver.execute_script("return document.documentElement.scrollWidth") <= width
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"reserves-31000-{width}.png"))
    link = note.find_element(By.LINK_TEXT, "Les afficher")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", link)
    link.click()
    _wait(driver, ec.url_contains("inclure_reserves=1"))
    cards = " ".join(c.text for c in driver.find_elements(By.CSS_SELECTOR, "li.resultat"))
    assert "EANM SAVS L'OCCITAN" in cards and "ESAT CATIC" in cards
    assert not driver.find_elements(By.ID, "ecartes-reserves")
    assert "Lieux réservés inclus" in driver.find_element(By.ID, "filtres-actifs").text
    driver.save_screenshot(str(SHOTS / f"reserves-31000-inclus-{width}.png"))
