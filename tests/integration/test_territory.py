"""Offers cannot be pushed into another territory (issue 19, finding 6): the new point and
every permanence's commune lie in the editor's territory, and an offer's point in its
commune (or the commune follows the point), checked on the server for the form, the JSON
endpoint and the permanences; refused attempts change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.editing_world import LIMOGES, SAINT_DENIS, edit_form, insert_offer
from tests.integration.test_auth import csrf, drop_users, login, make_user

PARIS = (48.8606, 2.3376)  # 75101: no polygon imported for Paris
TOULOUSE = (43.6045, 1.4440)  # 31555


@pytest.fixture(scope="module")
def territory(engine, app):
    app.config["EDITING_GEOCODER"] = None
    offer = insert_offer(engine, LIMOGES, "TEST-EDIT territoire")
    users = {
        "animateur87": make_user(engine, "animateur", departement="87"),
        "structure": make_user(engine, "structure", offre_id=offer),
        "admin": make_user(engine, "admin"),
    }
    yield offer, users
    drop_users(engine, list(users.values()))
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM surcharge WHERE offre_id = :i"), {"i": offer})
        conn.execute(text("DELETE FROM modification WHERE offre_id = :i"), {"i": offer})
        conn.execute(text("DELETE FROM permanence WHERE offre_id = :i"), {"i": offer})
        conn.execute(
            text("UPDATE utilisateur SET offre_id = NULL WHERE offre_id = :i"), {"i": offer}
        )
        conn.execute(text("DELETE FROM offre WHERE id = :i"), {"i": offer})


def _client(app, user):
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    return client


def _placed(engine, offer: int) -> tuple:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT code_insee, round(ST_Y(point)::numeric, 4), round(ST_X(point)::numeric, 4),"
                " (SELECT count(*) FROM permanence p WHERE p.offre_id = o.id) FROM offre o"
                " WHERE id = :i"
            ),
            {"i": offer},
        ).one()


def _post_form(engine, client, offer: int, **changes):
    token = csrf(client, f"/edition/offres/{offer}/modifier")
    return client.post(
        f"/edition/offres/{offer}/modifier",
        data=edit_form(engine, offer, csrf_token=token, **changes),
    )


@pytest.mark.parametrize("role", ["animateur87", "structure"])
@pytest.mark.parametrize(
    "where, code, status",
    [
        (PARIS, None, 400),  # the point alone, far from the offer's commune
        (PARIS, "75101", 403),  # the point and a commune of another territory
        (TOULOUSE, None, 400),
        (TOULOUSE, "31555", 403),
    ],
)
def test_moving_an_offer_out_of_the_territory_is_refused(
    engine, app, territory, role, where, code, status
):
    offer, users = territory
    before = _placed(engine, offer)
    changes = {"latitude": f"{where[0]:.6f}", "longitude": f"{where[1]:.6f}"}
    if code:
        changes |= {"code_insee": code, "commune_nom": ""}
    response = _post_form(engine, _client(app, users[role]), offer, **changes)
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert ("km de la commune Limoges" in page) if status == 400 else ("territoire" in page)
    assert _placed(engine, offer) == before


def test_the_json_endpoint_checks_the_point_too(engine, app, territory):
    offer, users = territory
    before = _placed(engine, offer)
    client = _client(app, users["animateur87"])
    token = csrf(client, f"/edition/offres/{offer}/modifier")
    response = client.post(
        f"/edition/offres/{offer}.json",
        json={"point": {"lat": PARIS[0], "lon": PARIS[1]}},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 400 and "km de la commune" in response.get_json()["erreur"]
    assert _placed(engine, offer) == before


@pytest.mark.parametrize("role", ["animateur87", "structure"])
def test_a_permanence_in_another_territory_is_refused(engine, app, territory, role):
    offer, users = territory
    before = _placed(engine, offer)
    client = _client(app, users[role])
    token = csrf(client, f"/edition/offres/{offer}/modifier")
    response = client.post(
        f"/edition/offres/{offer}/permanences",
        data={"csrf_token": token, "code_insee": SAINT_DENIS, "lieu": "Mairie"},
    )
    assert response.status_code == 403
    assert "hors de votre territoire" in response.get_data(as_text=True)
    assert _placed(engine, offer) == before


def test_the_commune_follows_a_pin_moved_within_the_territory(engine, app, territory):
    offer, users = territory
    with engine.connect() as conn:
        neighbour = conn.execute(
            text(
                "SELECT code, ST_Y(ST_PointOnSurface(geom)) lat, ST_X(ST_PointOnSurface(geom)) lon"
                " FROM commune WHERE departement = '87' AND code <> :c AND geom IS NOT NULL"
                " ORDER BY ST_Distance(geom, (SELECT point FROM commune WHERE code = :c))"
                " LIMIT 1"
            ),
            {"c": LIMOGES},
        ).one()
        saint_denis = conn.execute(
            text(
                "SELECT ST_Y(ST_PointOnSurface(geom)) lat, ST_X(ST_PointOnSurface(geom)) lon"
                " FROM commune WHERE code = :c"
            ),
            {"c": SAINT_DENIS},
        ).one()
    client = _client(app, users["animateur87"])
    moved = {"latitude": f"{neighbour.lat:.6f}", "longitude": f"{neighbour.lon:.6f}"}
    assert _post_form(engine, client, offer, **moved).status_code == 302
    assert _placed(engine, offer)[0] == neighbour.code  # the commune followed the pin
    # a pin dropped on Saint-Denis (93, polygon known): the commune would follow into 93
    before = _placed(engine, offer)
    into_93 = {"latitude": f"{saint_denis.lat:.6f}", "longitude": f"{saint_denis.lon:.6f}"}
    assert _post_form(engine, client, offer, **into_93).status_code == 403
    assert _placed(engine, offer) == before
    # an administrator may place it anywhere, the commune still follows the point
    admin = _client(app, users["admin"])
    assert _post_form(engine, admin, offer, **into_93).status_code == 302
    assert _placed(engine, offer)[0] == SAINT_DENIS
    back = {"code_insee": LIMOGES, "commune_nom": "Limoges", "adresse": "ailleurs"}
    assert _post_form(engine, admin, offer, **back).status_code == 302
    assert _placed(engine, offer)[0] == LIMOGES
