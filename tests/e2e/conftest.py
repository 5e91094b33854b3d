"""Browser fixtures: a live server of the test app (werkzeug, 127.0.0.1, random port, in a
thread) and a headless Debian Chromium driven by Selenium 4 (no network needed)."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    """The base URL of the app served on 127.0.0.1 (a random free port)."""
    yield from serve(app)


def serve(app) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (a random free port) in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium with a fresh profile, closed at the end of the session."""
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.fail("chromium/chromedriver missing: run scripts/setup --with-browser")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.TemporaryDirectory(prefix="mapdir-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    options.page_load_strategy = "eager"  # do not wait for map tiles (offline)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile.name}",
        "--window-size=1280,900",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        profile.cleanup()


@pytest.fixture()
def before_page_scripts(browser):
    """``add(source)``: a script run before any page script on every page loaded during the
    test (recorders of alerts, CSP violations); removed at the end of the test."""
    identifiers: list[str] = []

    def add(source: str) -> None:
        result = browser.execute_cdp_cmd(
            "Page.addScriptToEvaluateOnNewDocument", {"source": source}
        )
        identifiers.append(result["identifier"])

    yield add
    for identifier in identifiers:
        browser.execute_cdp_cmd(
            "Page.removeScriptToEvaluateOnNewDocument", {"identifier": identifier}
        )


@pytest.fixture()
def journey_driver(browser, before_page_scripts):
    """The browser recording CSP violations (tests/e2e/journey.py: check_page), its width
    given back at the end of the test."""
    from tests.e2e.journey import CSP_RECORDER

    before_page_scripts(CSP_RECORDER)
    yield browser
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
