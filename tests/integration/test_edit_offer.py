"""Editing one offer: hours checked with a French message, history with old and new values
and revert, closing with a reason, permanences, an address change relocating the offer
(BAN when configured, the commune's point when it is unreachable)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.editing_world import LIMOGES, client_as, edit_form, make_world, offer_state
from tests.integration.test_auth import csrf, login


@pytest.fixture(scope="module")
def world(engine, app):
    yield from make_world(engine, app)


def test_invalid_hours_rejected_with_french_message(engine, app, world):
    client = client_as(app, world, "animateur87")
    token = csrf(client, "/connexion")
    before = offer_state(engine, world["x"])
    response = client.post(
        f"/edition/offres/{world['x']}/modifier",
        data=edit_form(engine, world["x"], csrf_token=token, horaires="lundi matin"),
    )
    assert response.status_code == 400
    assert "syntaxe OpenStreetMap" in response.get_data(as_text=True)
    assert offer_state(engine, world["x"]) == before


def test_history_shows_old_and_new_values_and_reverts(engine, app, world):
    x = world["x"]
    client = client_as(app, world, "animateur87")
    token = csrf(client, "/connexion")
    client.post(
        f"/edition/offres/{x}/modifier",
        data=edit_form(
            engine,
            x,
            csrf_token=token,
            horaires="Mo,We 14:00-18:00",
            services=["loisirs-creations"],
        ),
    )
    with engine.connect() as conn:
        change = conn.execute(
            text(
                "SELECT id, auteur, champs FROM modification WHERE offre_id = :i"
                " ORDER BY id DESC LIMIT 1"
            ),
            {"i": x},
        ).one()
    assert change.auteur == world["users"]["animateur87"].email
    assert change.champs["horaires"] == {"avant": "Mo-Fr 09:00-12:00", "apres": "Mo,We 14:00-18:00"}
    assert change.champs["services"]["apres"] == ["loisirs-creations"]
    page = client.get(f"/offres/{x}/historique").get_data(as_text=True)
    assert "Mo-Fr 09:00-12:00" in page and "Mo,We 14:00-18:00" in page
    assert (
        client.post(
            f"/edition/modifications/{change.id}/annuler", data={"csrf_token": token}
        ).status_code
        == 302
    )
    state = offer_state(engine, x)
    assert state.horaires == "Mo-Fr 09:00-12:00"
    with engine.connect() as conn:
        services = conn.execute(
            text("SELECT services FROM offre WHERE id = :i"), {"i": x}
        ).scalar_one()
        last = conn.execute(
            text(
                "SELECT action, annule_id FROM modification WHERE offre_id = :i"
                " ORDER BY id DESC LIMIT 1"
            ),
            {"i": x},
        ).one()
    assert services == [] and last.action == "annulation" and last.annule_id == change.id
    again = client.post(f"/edition/modifications/{change.id}/annuler", data={"csrf_token": token})
    assert again.status_code == 409  # already reverted: nothing happens twice


def test_close_requires_reason_and_is_reversible(engine, app, world):
    client = client_as(app, world, "admin")
    token = csrf(client, "/connexion")
    y = world["y"]
    assert client.post(f"/edition/offres/{y}/fermer", data={"csrf_token": token}).status_code == 400
    assert offer_state(engine, y).statut == "active"
    client.post(f"/edition/offres/{y}/fermer", data={"csrf_token": token, "motif": "Déménagé"})
    assert offer_state(engine, y).statut == "fermee"
    page = client.get(f"/edition/offres/{y}").get_data(as_text=True)
    assert "Déménagé" in page
    with engine.connect() as conn:
        change = conn.execute(
            text("SELECT max(id) FROM modification WHERE offre_id = :i"), {"i": y}
        ).scalar_one()
    client.post(f"/edition/modifications/{change}/annuler", data={"csrf_token": token})
    assert offer_state(engine, y).statut == "active"


def test_permanences_add_close_reopen(engine, app, world):
    client = client_as(app, world, "structureX")
    token = csrf(client, "/connexion")
    x = world["x"]
    response = client.post(
        f"/edition/offres/{x}/permanences",
        data={
            "csrf_token": token,
            "code_insee": "87187",
            "lieu": "Mairie",
            "horaires": "Th 09:00-12:00",
        },
    )
    assert response.status_code == 302
    with engine.connect() as conn:
        perm = conn.execute(
            text(
                "SELECT id, statut, origine, commune_nom FROM permanence"
                " WHERE offre_id = :i ORDER BY id DESC LIMIT 1"
            ),
            {"i": x},
        ).one()
    assert perm.statut == "active" and perm.origine == "saisie"
    assert (
        client.post(
            f"/edition/permanences/{perm.id}/fermer", data={"csrf_token": token}
        ).status_code
        == 302
    )
    outsider = client_as(app, world, "animateur93")
    assert (
        outsider.post(
            f"/edition/permanences/{perm.id}/rouvrir",
            data={"csrf_token": csrf(outsider, "/connexion")},
        ).status_code
        == 403
    )
    with engine.connect() as conn:
        statut = conn.execute(
            text("SELECT statut FROM permanence WHERE id = :i"), {"i": perm.id}
        ).scalar_one()
    assert statut == "fermee"  # closed, never deleted, and the outsider changed nothing
    page = client.get(f"/offres/{x}/historique").get_data(as_text=True)
    assert f"Permanence n° {perm.id}" in page


def test_address_change_relocates_unless_pin_moved(engine, app, world):
    client = client_as(app, world, "admin")
    token = csrf(client, "/connexion")
    x = world["x"]
    form = edit_form(
        engine,
        x,
        csrf_token=token,
        code_insee="87187",
        commune_nom="",
        adresse="1 place de la Mairie",
    )
    client.post(f"/edition/offres/{x}/modifier", data=form)
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT o.commune_nom, ST_Distance(o.point, c.point) < 1e-5 same FROM offre o"
                " JOIN commune c ON c.code = '87187' WHERE o.id = :i"
            ),
            {"i": x},
        ).one()
    assert row.same and row.commune_nom  # the commune's point, its name filled in
    moved = edit_form(engine, x, csrf_token=token, latitude="45.900000", longitude="1.300000")
    client.post(f"/edition/offres/{x}/modifier", data=moved)
    with engine.connect() as conn:
        lat, lon = conn.execute(
            text("SELECT ST_Y(point), ST_X(point) FROM offre WHERE id = :i"), {"i": x}
        ).one()
    assert (round(lat, 6), round(lon, 6)) == (45.9, 1.3)
    back = edit_form(
        engine, x, csrf_token=token, code_insee=LIMOGES, commune_nom="Limoges", adresse=""
    )
    client.post(f"/edition/offres/{x}/modifier", data=back)


def test_address_change_geocoded_with_ban_when_configured(engine, settings, world):
    from mapdir import create_app
    from mapdir.config import Settings
    from tests.ban_server import BanAnswer, FakeBanServer, closed_port_url

    x = world["x"]
    answer = BanAnswer(45.8301, 1.2602, 0.93, citycode=LIMOGES, label="12 Rue Jean Jaurès")
    with FakeBanServer({("12 rue Jean Jaurès 87000 Limoges", LIMOGES): answer}) as ban:
        ban_app = create_app(Settings({**settings.values, "MAPDIR_BAN_URL": ban.url}))
        client = ban_app.test_client()
        client.environ_base["REMOTE_ADDR"] = "10.3.0.1"
        login(client, world["users"]["admin"].email)
        form = edit_form(
            engine,
            x,
            csrf_token=csrf(client, "/connexion"),
            code_postal="87000",
            adresse="12 rue Jean Jaurès",
            commune_nom="Limoges",
            code_insee=LIMOGES,
        )
        assert client.post(f"/edition/offres/{x}/modifier", data=form).status_code == 302
        assert len(ban.requests) == 1
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT ST_Y(point) lat, ST_X(point) lon, geo_precision FROM offre WHERE id = :i"),
            {"i": x},
        ).one()
    assert (round(row.lat, 4), round(row.lon, 4), row.geo_precision) == (45.8301, 1.2602, "adresse")
    down_app = create_app(Settings({**settings.values, "MAPDIR_BAN_URL": closed_port_url()}))
    client = down_app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.3.0.2"
    login(client, world["users"]["admin"].email)
    form = edit_form(engine, x, csrf_token=csrf(client, "/connexion"), adresse="3 rue Neuve")
    assert client.post(f"/edition/offres/{x}/modifier", data=form).status_code == 302
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT o.geo_precision, ST_Distance(o.point, c.point) < 1e-5 same"
                " FROM offre o JOIN commune c ON c.code = o.code_insee"
                " WHERE o.id = :i"
            ),
            {"i": x},
        ).one()
    assert row.same and row.geo_precision == "commune"  # BAN unreachable: the commune's point
