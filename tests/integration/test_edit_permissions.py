"""Who may edit what: a role × action × territory matrix (edit, close and reopen, revert,
create) and CSRF on the forms and the JSON endpoint."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.editing_world import (
    LIMOGES,
    NAME,
    SAINT_DENIS,
    admin_change,
    client_as,
    edit_form,
    make_world,
    offer_state,
)
from tests.integration.test_auth import csrf


@pytest.fixture(scope="module")
def world(engine, app):
    yield from make_world(engine, app)


ALLOWED = {"admin", "animateur87", "structureX"}


@pytest.mark.parametrize("role", ["admin", "animateur87", "animateur93", "structureX", "anonyme"])
def test_matrix_edit_form_and_post(engine, app, world, role):
    client = client_as(app, world, role)
    x = world["x"]
    get = client.get(f"/edition/offres/{x}/modifier")
    expected_get = 200 if role in ALLOWED else (302 if role == "anonyme" else 403)
    assert get.status_code == expected_get
    token = csrf(client, "/connexion")
    before = offer_state(engine, x)
    post = client.post(
        f"/edition/offres/{x}/modifier",
        data=edit_form(engine, x, csrf_token=token, horaires="Sa 10:00-12:00"),
    )
    after = offer_state(engine, x)
    if role in ALLOWED:
        assert post.status_code == 302
        assert after.horaires == "Sa 10:00-12:00" and after[3] == before[3] + 1
        with engine.begin() as conn:  # put it back for the next role
            conn.execute(
                text("UPDATE offre SET horaires = :h WHERE id = :i"), {"h": before.horaires, "i": x}
            )
    else:
        assert post.status_code == 403
        assert after == before


@pytest.mark.parametrize("role", ["admin", "animateur87", "animateur93", "structureX", "anonyme"])
def test_matrix_close_and_reopen(engine, app, world, role):
    client = client_as(app, world, role)
    x = world["x"]
    token = csrf(client, "/connexion")
    before = offer_state(engine, x)
    post = client.post(
        f"/edition/offres/{x}/fermer", data={"csrf_token": token, "motif": "Travaux"}
    )
    after = offer_state(engine, x)
    if role in ALLOWED:
        assert post.status_code == 302 and after.statut == "fermee"
        assert (
            client.post(f"/edition/offres/{x}/rouvrir", data={"csrf_token": token}).status_code
            == 302
        )
        assert offer_state(engine, x).statut == "active"
    else:
        assert post.status_code == 403 and after == before


@pytest.mark.parametrize("role", ["admin", "animateur87", "animateur93", "structureX", "anonyme"])
def test_matrix_revert(engine, app, world, role):
    change = admin_change(engine, app, world)
    client = client_as(app, world, role)
    token = csrf(client, "/connexion")
    before = offer_state(engine, world["x"])
    post = client.post(f"/edition/modifications/{change}/annuler", data={"csrf_token": token})
    after = offer_state(engine, world["x"])
    if role in ALLOWED:
        assert post.status_code == 302
        assert after.nom == NAME + " X" and after[3] == before[3] + 1
    else:
        assert post.status_code == 403 and after == before
        assert (
            client.post(
                f"/edition/modifications/{change}/annuler", data={"csrf_token": token}
            ).status_code
            == 403
        )
        client_as(app, world, "admin").post(
            f"/edition/modifications/{change}/annuler", data={"csrf_token": token}
        )


@pytest.mark.parametrize(
    ("role", "commune", "expected"),
    [
        ("admin", SAINT_DENIS, 302),
        ("animateur87", LIMOGES, 302),
        ("animateur87", SAINT_DENIS, 403),
        ("animateur93", LIMOGES, 403),
        ("structureX", LIMOGES, 403),
        ("anonyme", LIMOGES, 403),
    ],
)
def test_matrix_create(engine, app, world, role, commune, expected):
    client = client_as(app, world, role)
    token = csrf(client, "/connexion")
    name = f"TEST-EDIT créée par {role} à {commune}"
    post = client.post(
        "/edition/offres/nouvelle",
        data={
            "csrf_token": token,
            "nom": name,
            "code_insee": commune,
            "horaires": "Tu 14:00-17:00",
            "services": ["demarches-administratives"],
        },
    )
    assert post.status_code == expected
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, statut, services, ST_AsText(point) p FROM offre WHERE nom = :n"),
            {"n": name},
        ).all()
    if expected == 302:
        assert len(rows) == 1 and rows[0].services == ["demarches-administratives"]
        assert rows[0].p is not None  # placed at the commune's point
    else:
        assert rows == []


def test_direct_posts_without_csrf_token_change_nothing(engine, app, world):
    client = client_as(app, world, "admin")
    x = world["x"]
    before = offer_state(engine, x)
    assert (
        client.post(
            f"/edition/offres/{x}/modifier", data=edit_form(engine, x, nom="pirate")
        ).status_code
        == 400
    )
    assert client.post(f"/edition/offres/{x}/fermer", data={"motif": "x"}).status_code == 400
    assert client.post(f"/edition/offres/{x}.json", json={"nom": "pirate"}).status_code == 400
    assert (
        client.post(
            "/edition/offres/nouvelle", data={"nom": "TEST-EDIT pirate", "code_insee": LIMOGES}
        ).status_code
        == 400
    )
    assert offer_state(engine, x) == before
    with engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT count(*) FROM offre WHERE nom = 'TEST-EDIT pirate'")
            ).scalar_one()
            == 0
        )


def test_json_endpoint_needs_csrf_header_and_permission(engine, app, world):
    admin = client_as(app, world, "admin")
    token = csrf(admin, "/edition/")
    ok = admin.post(
        f"/edition/offres/{world['x']}.json",
        json={"horaires_texte": "Matin"},
        headers={"X-CSRFToken": token},
    )
    assert ok.status_code == 200 and ok.get_json()["modification"]
    outsider = client_as(app, world, "animateur93")
    token = csrf(outsider, "/edition/")
    before = offer_state(engine, world["x"])
    denied = outsider.post(
        f"/edition/offres/{world['x']}.json", json={"nom": "pirate"}, headers={"X-CSRFToken": token}
    )
    assert denied.status_code == 403 and "erreur" in denied.get_json()
    assert offer_state(engine, world["x"]) == before
    bad = admin.post(
        f"/edition/offres/{world['x']}.json",
        json={"inconnu": 1},
        headers={"X-CSRFToken": csrf(admin, "/edition/")},
    )
    assert bad.status_code == 400
    before = offer_state(engine, world["x"])
    for body in (
        {"horaires": "lundi matin"},
        {"nom": ""},
        {"services": ["inventé"]},
        {"telephones": "05"},
        {"point": {"lon": 500, "lat": 1}},
    ):
        refused = admin.post(
            f"/edition/offres/{world['x']}.json",
            json=body,
            headers={"X-CSRFToken": csrf(admin, "/edition/")},
        )
        assert refused.status_code == 400, body
        assert refused.get_json()["detail"], body
    assert offer_state(engine, world["x"]) == before
