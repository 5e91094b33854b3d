"""The back-office in headless Chromium (issue 18, animators): the home page's priorities and
the undo of « Toujours à jour »; the weekly hours grid on a 375 px phone (one line per day,
an invalid time shown next to its field and not sent); every back-office page fits 375 px."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import text

from tests.integration.test_auth import PASSWORD, drop_users, make_user

pytestmark = pytest.mark.e2e
SAINT_JUNIEN = "87154"
PREFIX = "TEST-E2E-BO"
# window.confirm is never called: « Toujours à jour » asks nothing
RECORD_DIALOGS = (
    "window.__dialogs = [];"
    "window.confirm = function (m) { window.__dialogs.push(String(m)); return true; };"
)


@pytest.fixture(scope="module")
def backoffice(engine, app):
    app.config["EDITING_GEOCODER"] = None
    with engine.begin() as conn:
        epci = conn.execute(
            text("SELECT epci FROM commune WHERE code = :c"), {"c": SAINT_JUNIEN}
        ).scalar_one()
        offers = [
            conn.execute(
                text(
                    "INSERT INTO offre (nom, code_insee, commune_nom, point, date_maj, horaires,"
                    " programmes) SELECT :n, code, nom, point, :d, 'Mo-Fr 09:00-12:00',"
                    " ARRAY['France Services', 'Aidants Connect'] FROM commune"
                    " WHERE code = :c RETURNING id"
                ),
                {"n": f"{PREFIX} {label}", "c": SAINT_JUNIEN, "d": day},
            ).scalar_one()
            for label, day in (("ancienne", "2019-01-01"), ("récente", "2026-10-01"))
        ]
        conn.execute(
            text(
                "INSERT INTO signalement (offre_id, categorie, message, empreinte_ip)"
                " VALUES (:i, 'horaires', 'Fermé le mercredi', 'e2e')"
            ),
            {"i": offers[1]},
        )
    user = make_user(engine, "animateur", epci=epci)
    yield offers, user
    drop_users(engine, [user])
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM signalement WHERE offre_id = ANY(:i)"), {"i": offers})
        conn.execute(
            text("UPDATE modification SET annulee_par = NULL WHERE offre_id = ANY(:i)"),
            {"i": offers},
        )
        conn.execute(text("DELETE FROM modification WHERE offre_id = ANY(:i)"), {"i": offers})
        conn.execute(text("DELETE FROM surcharge WHERE offre_id = ANY(:i)"), {"i": offers})
        conn.execute(
            text("DELETE FROM doublon WHERE offre_a = ANY(:i) OR offre_b = ANY(:i)"), {"i": offers}
        )
        conn.execute(text("DELETE FROM offre WHERE id = ANY(:i)"), {"i": offers})


def _login(browser, live_server, user) -> WebDriverWait:
    wait = WebDriverWait(browser, 15)
    browser.delete_all_cookies()
    browser.get(f"{live_server}/connexion")
    browser.find_element(By.ID, "email").send_keys(user.email)
    browser.find_element(By.ID, "mot_de_passe").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait.until(ec.url_contains("/edition/"))
    return wait


def _phone(browser, width: int | None) -> None:
    if width is None:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    else:
        browser.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": 800, "deviceScaleFactor": 1, "mobile": True},
        )


def _page_width(browser) -> int:
    """The document's width once the stylesheet applies (pages load "eager")."""
    WebDriverWait(browser, 15).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )
    return browser.execute_script("return document.documentElement.scrollWidth")


def test_home_page_priorities_and_undo_of_toujours_a_jour(
    browser, live_server, backoffice, engine, before_page_scripts
):
    (old, recent), user = backoffice
    before_page_scripts(RECORD_DIALOGS)
    wait = _login(browser, live_server, user)
    browser.get(f"{live_server}/edition/")
    assert browser.find_element(By.ID, "compte-signalements").text == "1"
    never = browser.find_element(By.ID, "priorite-jamais_confirmees")
    links = [a.get_attribute("href") for a in never.find_elements(By.LINK_TEXT, "Modifier")]
    assert links[:2] == [
        f"{live_server}/edition/offres/{old}/modifier",  # the oldest information first
        f"{live_server}/edition/offres/{recent}/modifier",
    ]
    browser.find_element(By.ID, f"confirmer-{old}").click()
    message = wait.until(ec.visibility_of_element_located((By.ID, "messages")))
    assert "confirmée à jour" in message.text
    assert browser.execute_script("return window.__dialogs") == []
    never = browser.find_element(By.ID, "priorite-jamais_confirmees")
    assert f"/edition/offres/{old}/modifier" not in never.get_attribute("innerHTML")
    message.find_element(By.TAG_NAME, "button").click()  # « Annuler »
    wait.until(ec.text_to_be_present_in_element((By.ID, "messages"), "Modification annulée"))
    never = browser.find_element(By.ID, "priorite-jamais_confirmees")
    assert f"/edition/offres/{old}/modifier" in never.get_attribute("innerHTML")
    with engine.connect() as conn:
        confirmed = conn.execute(
            text("SELECT confirmed_at FROM offre WHERE id = :i"), {"i": old}
        ).scalar_one()
    assert confirmed is None


def _rect(browser, element_id: str) -> dict:
    return browser.execute_script(
        "return document.getElementById(arguments[0]).getBoundingClientRect().toJSON()",
        element_id,
    )


def test_hours_grid_at_375_px_one_line_per_day_and_25h_refused(
    browser, live_server, backoffice, engine
):
    (old, _recent), user = backoffice

    def changes() -> int:
        with engine.connect() as conn:
            return conn.execute(
                text("SELECT count(*) FROM modification WHERE offre_id = :i"), {"i": old}
            ).scalar_one()

    before = changes()
    wait = _login(browser, live_server, user)
    _phone(browser, 375)
    try:
        browser.get(f"{live_server}/edition/offres/{old}/modifier")
        wait.until(ec.presence_of_element_located((By.ID, "grille-Mo-matin")))
        assert _page_width(browser) <= 375
        # Monday: the morning and the afternoon ranges on one line, the grid inside the page
        ids = ("grille-Mo-matin", "grille-Mo-matin-debut", "grille-Mo-apres-midi-fin")
        middles = [(r["top"] + r["bottom"]) / 2 for r in (_rect(browser, i) for i in ids)]
        assert max(middles) - min(middles) < 12
        assert _rect(browser, "grille-Mo-apres-midi-fin")["right"] <= 375
        assert _rect(browser, "grille-Tu-matin")["top"] > _rect(browser, "grille-Mo-matin")["top"]
        assert browser.find_element(By.ID, "grille-Mo-matin").is_selected()  # read from Mo-Fr
        label = browser.find_element(By.CSS_SELECTOR, "label[for=grille-Mo-matin]")
        assert label.size["width"] <= 1  # visually hidden, still the checkbox's name

        start = browser.find_element(By.ID, "grille-Mo-matin-debut")
        start.clear()
        start.send_keys("25:00")
        error = browser.find_element(By.ID, "grille-Mo-matin-erreur")
        wait.until(lambda _d: "25:00" in error.text)
        assert start.get_attribute("aria-invalid") == "true"
        assert start.get_attribute("aria-describedby") == "grille-Mo-matin-erreur"
        below = _rect(browser, "grille-Mo-matin-erreur")
        field = _rect(browser, "grille-Mo-matin-debut")
        assert 0 <= below["top"] - field["bottom"] < 40 and abs(below["left"] - field["left"]) < 60
        hours = browser.find_element(By.ID, "horaires")
        assert hours.get_attribute("value") == "Mo-Fr 09:00-12:00"  # not changed by 25:00
        browser.find_element(By.ID, "enregistrer").click()
        assert browser.switch_to.active_element.get_attribute("id") == "grille-Mo-matin-debut"
        assert browser.current_url.endswith("/modifier")  # not sent
        assert changes() == before

        start.clear()
        start.send_keys("8h30")
        wait.until(lambda _d: error.text == "")
        browser.find_element(By.ID, "grille-Sa-matin").click()  # a change tidies the times
        assert start.get_attribute("value") == "08:30"
        assert hours.get_attribute("value") == "Mo 08:30-12:00; Tu-Sa 09:00-12:00"
    finally:
        _phone(browser, None)


BACK_OFFICE_PAGES = (
    "/edition/",
    "/edition/offres/{id}",
    "/edition/offres/{id}/modifier",
    "/offres/{id}/historique",
    "/edition/fraicheur",
    "/edition/fraicheur?categorie=jamais_confirmee",
    "/edition/conflits",
    "/edition/signalements",
    "/edition/import",
    "/edition/offres/nouvelle",
)


def test_back_office_pages_fit_375_px(browser, live_server, backoffice):
    (old, _recent), user = backoffice
    _login(browser, live_server, user)
    _phone(browser, 375)
    try:
        widths = {}
        for path in BACK_OFFICE_PAGES:
            browser.get(live_server + path.format(id=old))
            widths[path] = _page_width(browser)
        assert {p: w for p, w in widths.items() if w > 375} == {}
    finally:
        _phone(browser, None)
