"""The OGC API's HTML pages in headless Chromium at 1280 and 375 px: French, the site's
stylesheet, no script, and the site's strict Content-Security-Policy holds (no violation)."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path("var/screenshots")
CSP_RECORDER = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective));
"""


def follow(browser, by: str, value: str) -> None:
    """Open the first link found (its address, so the next lookup sees the new page)."""
    browser.get(browser.find_element(by, value).get_attribute("href"))


@pytest.mark.parametrize("width", [1280, 375])
def test_ogc_pages(browser, live_server, before_page_scripts, width):
    before_page_scripts(CSP_RECORDER)
    browser.set_window_size(width, 1000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.get(f"{live_server}/ogc/?f=html")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    follow(browser, By.LINK_TEXT, "Les collections de données")
    follow(browser, By.PARTIAL_LINK_TEXT, "Communes, couverture")
    follow(browser, By.LINK_TEXT, "Parcourir les entités")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.ogc-entites tbody tr")
    assert rows, "a table of communes"
    browser.save_screenshot(str(SCREENSHOTS / f"ogc-communes-{width}.png"))
    # the table scrolls inside its box: the page itself is not wider than the window
    assert browser.execute_script(
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    follow(browser, By.LINK_TEXT, "Page suivante")
    assert "offset=" in browser.current_url
    follow(browser, By.CSS_SELECTOR, "table.ogc-entites tbody th a")
    assert browser.find_element(By.CSS_SELECTOR, "dl.details")
    browser.save_screenshot(str(SCREENSHOTS / f"ogc-commune-{width}.png"))
    assert browser.execute_script("return window.__csp") == []
    assert not browser.find_elements(By.TAG_NAME, "script")
