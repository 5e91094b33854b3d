"""The embeddable widget in headless Chromium, from a partner page served by a second local
server (another port: another origin): the script and the iframe forms both work, a search
inside the frame lists the nearest offers, names stay text; the site's other pages refuse
to be framed there. Also the configuration page and the feed link of the offer page."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import text

pytestmark = pytest.mark.e2e

TRICKY = '<img src=x onerror="window.__pwned=1">Espace widget'
OFFERS = (
    ("Médiathèque widget", "87161", 0.002, ["demarches-administratives"]),
    (TRICKY, "87161", -0.003, ["demarches-administratives"]),
    ("Bibliothèque widget", "87085", 0.0, ["acces-internet-materiel"]),
)
SCREENSHOTS = Path("var/screenshots")


@pytest.fixture(scope="module")
def widget_offers(engine):
    ids = []
    with engine.begin() as conn:
        for nom, code, dlon, services in OFFERS:
            ids.append(
                conn.execute(
                    text(
                        "INSERT INTO offre (nom, code_insee, code_postal, commune_nom, point,"
                        " horaires, services, telephones, geo_precision)"
                        " SELECT :nom, code, '87400', nom, ST_Translate(point, :dlon, 0),"
                        " 'Mo-Fr 09:00-17:00', :services, ARRAY['+33555000000'], 'adresse'"
                        " FROM commune WHERE code = :code RETURNING id"
                    ),
                    {"nom": nom, "code": code, "dlon": dlon, "services": services},
                ).scalar_one()
            )
    yield ids
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM offre WHERE id = ANY(:ids)"), {"ids": ids})


@pytest.fixture(scope="module")
def partner_site(live_server) -> Iterator[str]:
    """A partner's page on another origin embedding the widget both ways, and the site's
    home page in a frame (which must be refused)."""
    page = f"""<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>Site partenaire</title></head><body>
<h1>Mairie de test</h1>
<div id="par-script"><script src="{live_server}/widget.js" data-code-postal="87400"
  data-services="demarches-administratives" data-couleur="#ffd700" data-limite="3"
  data-titre="Aide numérique à Saint-Léonard"></script></div>
<iframe id="par-iframe" src="{live_server}/widget?services=acces-internet-materiel"
  title="Recherche" width="100%" height="400"></iframe>
<iframe id="site" src="{live_server}/" title="Site" width="100%" height="200"></iframe>
</body></html>""".encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *_args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def _wait(driver, condition, seconds: float = 20):
    return WebDriverWait(driver, seconds).until(condition)


def _name(link) -> str:
    """A result's name as read (its hidden "(nouvel onglet)" hint left out)."""
    return link.text.replace("\n", " ").removesuffix(" (nouvel onglet)")


def _shot(driver, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


@pytest.mark.parametrize("width", [1280, 375])
def test_widget_from_another_origin(browser, live_server, partner_site, widget_offers, width):
    driver = browser
    driver.set_window_size(width, 1000)
    driver.get(partner_site)
    assert live_server.rsplit(":", 1)[1] not in partner_site  # another port: another origin
    frames = _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#par-script iframe"))
    scripted = frames[0]
    assert scripted.get_attribute("title") == "Aide numérique à Saint-Léonard"
    # the script's frame grows with its content (height sent by the widget)
    _wait(driver, lambda d: scripted.size["height"] > 480)

    driver.switch_to.frame(scripted)
    names = _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".widget-nom a"))
    texts = [_name(n) for n in names]
    assert TRICKY in texts and "Médiathèque widget" in texts  # the name shown as text
    assert driver.execute_script("return window.__pwned") is None
    assert len(texts) <= 3 and "Bibliothèque widget" not in texts  # limit, services filter
    assert all(n.get_attribute("target") == "_blank" for n in names)
    assert driver.execute_script("return document.cookie") == ""
    driver.switch_to.default_content()
    _shot(driver, f"widget-partenaire-{width}")

    # the iframe form: search a postcode inside the frame
    driver.switch_to.frame(driver.find_element(By.ID, "par-iframe"))
    field = _wait(driver, lambda d: d.find_element(By.ID, "widget-code-postal"))
    assert driver.find_element(By.CSS_SELECTOR, "label[for=widget-code-postal]").text
    field.send_keys("87400")
    driver.find_element(By.CSS_SELECTOR, ".widget-bouton").click()
    listed = _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".widget-nom a"))
    assert "Bibliothèque widget" in [_name(n) for n in listed]
    driver.switch_to.default_content()

    # the site itself refuses to be framed: its frame holds Chromium's error page
    driver.switch_to.frame(driver.find_element(By.ID, "site"))
    assert not driver.execute_script("return location.href").startswith(live_server)
    assert not driver.find_elements(By.CSS_SELECTOR, "form[role=search]")
    driver.switch_to.default_content()


def test_bad_postcode_is_a_message_in_the_widget(browser, live_server):
    browser.set_window_size(375, 800)
    browser.get(live_server + "/widget?code_postal=8740")
    alert = _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "[role=alert]"))
    assert "Code postal invalide" in alert.text
    field = browser.find_element(By.ID, "widget-code-postal")
    assert field.get_attribute("aria-invalid") == "true"
    _shot(browser, "widget-erreur-375")


@pytest.mark.parametrize("width", [1280, 375])
def test_configuration_page_builds_the_snippet(browser, live_server, widget_offers, width):
    driver = browser
    driver.set_window_size(width, 1000)
    driver.get(live_server + "/widget/configurateur")
    snippet = driver.find_element(By.ID, "extrait-script")
    assert snippet.text.startswith(f'<script src="{live_server}/widget.js"')
    postcode = driver.find_element(By.ID, "cfg-code-postal")
    postcode.send_keys("87400")
    service = "input[name=services][value=demarches-administratives]"
    driver.find_element(By.CSS_SELECTOR, service).click()
    _wait(driver, lambda d: 'data-code-postal="87400"' in snippet.text)
    assert 'data-services="demarches-administratives"' in snippet.text
    assert "code_postal=87400" in driver.find_element(By.ID, "extrait-iframe").text
    # the preview frames the widget with the same settings
    preview = driver.find_element(By.ID, "apercu")
    _wait(driver, lambda d: "code_postal=87400" in preview.get_attribute("src"))
    driver.switch_to.frame(preview)
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".widget-nom a"))
    driver.switch_to.default_content()
    _shot(driver, f"widget-configurateur-{width}")
    # nothing wider than the window (the snippets wrap, the preview fits)
    assert driver.execute_script(
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    driver.execute_script("document.getElementById('titre-extraits').scrollIntoView()")
    _shot(driver, f"widget-configurateur-extraits-{width}")
