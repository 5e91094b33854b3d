"""HTML and script typed into fields are stored as typed and shown escaped, in the
back-office and on the public pages."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.editing_world import NAME, client_as, edit_form, make_world
from tests.integration.test_auth import csrf


@pytest.fixture(scope="module")
def world(engine, app):
    yield from make_world(engine, app)


def test_html_and_script_shown_escaped(engine, app, world):
    client = client_as(app, world, "admin")
    token = csrf(client, "/connexion")
    y = world["y"]
    evil = '<script>alert("x")</script><b>gras</b>'
    client.post(
        f"/edition/offres/{y}/modifier",
        data=edit_form(engine, y, csrf_token=token, commentaire=evil, nom=NAME + evil),
    )
    with engine.begin() as conn:  # the edit confirmed it: make it « à vérifier » again
        conn.execute(text("UPDATE offre SET confirmed_at = NULL WHERE id = :i"), {"i": y})
    for path in (
        "/edition/fraicheur",
        f"/edition/offres/{y}",
        f"/offres/{y}/historique",
        "/edition/",
        f"/edition/offres/{y}/modifier",
    ):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in page and "<b>gras" not in page, path
        assert "&lt;script&gt;alert" in page, path
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT commentaire FROM offre WHERE id = :i"), {"i": y}
        ).scalar_one()
    assert stored == evil  # stored as typed, escaped on output


def test_script_typed_in_a_name_is_text_on_public_pages(engine, app, world):
    client = client_as(app, world, "admin")
    token = csrf(client, "/connexion")
    x = world["x"]
    evil = "<script>alert(2)</script>"
    client.post(
        f"/edition/offres/{x}/modifier",
        data=edit_form(engine, x, csrf_token=token, nom=NAME + " X " + evil),
    )
    public = app.test_client()
    for path in (f"/offres/{x}", "/recherche?lieu=87000"):
        page = public.get(path).get_data(as_text=True)
        assert "<script>alert(2)" not in page, path
    offer_page = public.get(f"/offres/{x}").get_data(as_text=True)
    assert "&lt;script&gt;alert(2)" in offer_page
    # the map data is JSON inside a script element: "<" is escaped there too
    assert "\\u003cscript\\u003ealert(2)" in public.get("/recherche?lieu=87000").get_data(
        as_text=True
    )
