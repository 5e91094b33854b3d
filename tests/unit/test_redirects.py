"""Open redirect after login (issue 19, finding 3): only same-site paths, as the browser
will read them."""

from __future__ import annotations

import pytest

from mapdir.http.redirects import same_site_path

REFUSED = [
    "/\t/x",
    "/\t/evil.example/phish",
    "//x",
    "///x",
    "\\\\x",
    "/\\x",
    "\\/x",
    "https:x",
    "https://x",
    "http:/x",
    "javascript:alert(1)",
    "/\r\n",
    "/\r\nSet-Cookie: a=b",
    "\x00//x",
    " //x",
    "/\x7f/x",
    "x",
    "",
    None,
]
KEPT = {
    "/edition/": "/edition/",
    "/%0d%0a": "/%0d%0a",  # encoded: a harmless path of this site
    "/%09/x": "/%09/x",
    "/edition/offres/3?onglet=historique": "/edition/offres/3?onglet=historique",
    "/recherche?lieu=Saint-Léonard": "/recherche?lieu=Saint-L%C3%A9onard",
}


@pytest.mark.parametrize("value", REFUSED)
def test_refused(value):
    assert same_site_path(value) is None


@pytest.mark.parametrize("value, location", KEPT.items())
def test_kept_as_sent(value, location):
    assert same_site_path(value) == location


def test_prefix():
    assert same_site_path("/edition/fraicheur", prefix="/edition/") == "/edition/fraicheur"
    assert same_site_path("/recherche", prefix="/edition/") is None
    assert same_site_path("/edition/../\t/x", prefix="/edition/") is None
