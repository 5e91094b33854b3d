"""Helpers of the back-office browser journeys (tests/e2e): the page width, the screenshot
with its checks (no CSP violation, nothing wider than the screen), a click that posts and
reloads, and the log-in."""

from __future__ import annotations

from pathlib import Path

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

#: records the CSP violations of each page (before_page_scripts), read by check_page
CSP_RECORDER = (
    "window.__csp = [];"
    " document.addEventListener('securitypolicyviolation', function (e) {"
    "   window.__csp.push(e.violatedDirective + ' ' + e.blockedURI); });"
)


def set_width(driver, width: int) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 500},
    )


def check_page(driver, shots: Path, name: str, width: int, show=None) -> None:
    """Screenshot ``name-width.png`` (``show``: an element scrolled to the middle first),
    then no CSP violation and nothing wider than the screen."""
    if show is not None:
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", show)
    shots.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(shots / f"{name}-{width}.png"))
    assert driver.execute_script("return window.__csp") == [], name
    overflow = driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name} at {width} px is {overflow} px too wide"


def click_and_load(driver, wait, button, message: str, box: str = "message") -> None:
    """Click a button that posts and reloads the page; wait for the new page's message in
    the element ``box`` (the old page's would otherwise be read while it is replaced)."""
    old = driver.find_element(By.TAG_NAME, "html")
    button.click()
    wait.until(lambda _driver: detached(old))
    wait.until(ec.text_to_be_present_in_element((By.ID, box), message))


def detached(element) -> bool:
    """Whether the page holding ``element`` was replaced. Selenium's staleness_of only
    expects StaleElementReferenceException; Chromium may instead answer « Node … does not
    belong to the document » (a plain WebDriverException) while the old page is torn down."""
    try:
        element.is_enabled()
    except WebDriverException:  # StaleElementReferenceException included
        return True
    return False


def open_back_office(driver, live_server: str, email: str, password: str, width: int):
    """A fresh session of ``email`` at ``width`` px on the back-office home page; returns a
    WebDriverWait of 15 s."""
    set_width(driver, width)
    log_in(driver, live_server, email, password)
    return WebDriverWait(driver, 15)


def log_in(driver, live_server: str, email: str, password: str) -> None:
    """A fresh session of ``email``, landing on the back-office home page."""
    driver.get(f"{live_server}/connexion")
    driver.delete_all_cookies()
    driver.get(f"{live_server}/connexion?suivant=/edition/")
    driver.find_element(By.ID, "email").send_keys(email)
    driver.find_element(By.ID, "mot_de_passe").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
