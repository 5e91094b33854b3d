"""The embeddable widget's routes: framing allowed there only, no cookie, bad settings fall
back to defaults with a French note, the partner's colour keeps a readable contrast."""

from __future__ import annotations

import pytest

from mapdir.web.widget_pages import DEFAULT_COLOUR, text_colour_on


def _frame_ancestors(response) -> str:
    policy = response.headers["Content-Security-Policy"]
    (directive,) = [d.strip() for d in policy.split(";") if "frame-ancestors" in d]
    return directive.split(" ", 1)[1]


def test_only_the_widget_page_may_be_framed(client):
    widget = client.get("/widget?code_postal=87000")
    assert widget.status_code == 200
    assert _frame_ancestors(widget) == "*"  # MAPDIR_WIDGET_FRAME_ANCESTORS' default
    assert "X-Frame-Options" not in widget.headers
    assert "Set-Cookie" not in widget.headers
    assert widget.headers["Cache-Control"] == "no-store"
    for path in ("/", "/widget/configurateur", "/recherche?lieu=87085"):
        page = client.get(path)
        assert _frame_ancestors(page) == "'none'", path
        assert page.headers["X-Frame-Options"] == "DENY", path


def test_the_configuration_page_may_frame_its_own_preview(client):
    page = client.get("/widget/configurateur?code_postal=87400&services=demarches-administratives")
    assert "frame-src 'self'" in page.headers["Content-Security-Policy"]
    body = page.get_data(as_text=True)
    assert "data-code-postal=&#34;87400&#34;" in body or 'data-code-postal="87400"' in body


def test_bad_settings_fall_back_with_a_french_note(client):
    r = client.get("/widget?limite=99&couleur=red&services=inconnu,demarches-administratives")
    body = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "Nombre de résultats entre 1 et 10" in body
    assert "Couleur non reconnue" in body
    assert "Service inconnu ignoré" in body
    assert 'value="demarches-administratives"' in body


def test_a_bad_postcode_is_a_message_in_the_frame(client):
    r = client.get("/widget?code_postal=87")
    assert r.status_code == 400 and "Code postal invalide" in r.get_data(as_text=True)


def test_theme_and_script(client):
    css = client.get("/widget/theme.css?couleur=%3C/style%3E").get_data(as_text=True)
    assert DEFAULT_COLOUR in css and "<" not in css
    script = client.get("/widget.js")
    assert script.mimetype == "text/javascript" and b"textContent" not in script.data
    assert b"innerHTML" not in script.data


def _ratio(a: str, b: str) -> float:
    from mapdir.web.widget_pages import _luminance

    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("colour", ["#ffd700", "#1f4e79", "#777777", "#808080", "#ff0000"])
def test_text_on_the_partner_colour_passes_wcag_aa(colour):
    assert _ratio(colour, text_colour_on(colour)) >= 4.5
