"""List fields are bounded (issue 19, finding 10: 10,000 web sites of 1 kB once made a 20 MB
offer page) and numbers take ASCII digits only (finding 8), in the form and in JSON."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from mapdir.editing.fields import MAX_ITEM_CHARS, MAX_ITEMS
from tests.editing_world import LIMOGES, delete_offers, edit_form, insert_offer
from tests.integration.test_auth import csrf, drop_users, login, make_user


@pytest.fixture(scope="module")
def editor(engine, app):
    app.config["EDITING_GEOCODER"] = None
    offer = insert_offer(engine, LIMOGES, "TEST-EDIT limites")
    user = make_user(engine, "admin")
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    yield offer, client
    drop_users(engine, [user])
    delete_offers(engine, [offer])


def _sites(engine, offer: int) -> list[str]:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT sites_web FROM offre WHERE id = :i"), {"i": offer}
        ).scalar_one()


@pytest.mark.parametrize(
    "lines",
    [
        [f"https://site-{i}.example/" for i in range(MAX_ITEMS + 1)],
        ["https://long.example/" + "x" * MAX_ITEM_CHARS],
    ],
    ids=["trop-de-lignes", "ligne-trop-longue"],
)
def test_list_fields_are_bounded(engine, editor, lines):
    offer, client = editor
    token = csrf(client, f"/edition/offres/{offer}/modifier")
    form = edit_form(engine, offer, csrf_token=token, sites_web="\n".join(lines))
    response = client.post(f"/edition/offres/{offer}/modifier", data=form)
    assert response.status_code == 400
    assert f"Au plus {MAX_ITEMS} lignes" in response.get_data(as_text=True)
    as_json = client.post(
        f"/edition/offres/{offer}.json", json={"sites_web": lines}, headers={"X-CSRFToken": token}
    )
    assert as_json.status_code == 400 and "sites_web" in as_json.get_json()["detail"]
    assert _sites(engine, offer) != lines


def test_a_huge_list_is_refused_before_parsing(engine, editor):
    offer, client = editor
    token = csrf(client, f"/edition/offres/{offer}/modifier")
    lines = ["https://x.example/" + "y" * 1000] * 10_000  # the attack: 10 MB
    response = client.post(
        f"/edition/offres/{offer}.json", json={"sites_web": lines}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    "field, value", [("latitude", "٤٥.٨"), ("code_postal", "٨٧٠٠٠"), ("longitude", "nan")]
)
def test_non_ascii_digits_are_refused(engine, editor, field, value):
    offer, client = editor
    token = csrf(client, f"/edition/offres/{offer}/modifier")
    response = client.post(
        f"/edition/offres/{offer}/modifier",
        data=edit_form(engine, offer, csrf_token=token, **{field: value}),
    )
    assert response.status_code == 400
