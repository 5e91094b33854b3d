"""Issue 17: coordinates that contradict the commune keep the place at the commune's point
and the conflict is stored for an animator (etl/prepare.py, ``donnees.conflit_localisation``),
who reads it on the offer's back-office page; issue 18 (animators 1): the dashboard counts
these « positions à vérifier » of the animator's territory, lists them, and the animator
settles one by moving the pin or by keeping the position (mapdir/editing/positions.py)."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import text

from mapdir.editing import positions, services
from tests.editing_world import LIMOGES, delete_offers, insert_location_conflict, insert_offer
from tests.integration.test_auth import csrf, drop_users, login, make_user

NAME = "TEST-CONFLIT-LOC"
MESSAGE = "coordonnées de la source (45.03839, 5.66101) à 97,3 km de Limoges (87085)"


@pytest.fixture()
def offers(engine, app):
    app.config["EDITING_GEOCODER"] = None
    ids = [insert_offer(engine, LIMOGES, f"{NAME} {k}", horaires=None) for k in ("conflit", "sans")]
    insert_location_conflict(engine, ids[0], NAME, MESSAGE)
    users = [make_user(engine, "animateur", departement=d) for d in ("87", "93")]
    yield ids, users
    delete_offers(engine, ids)
    drop_users(engine, users)


def _client(app, user, ip: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    assert login(client, user.email).status_code == 302
    return client


def _to_check(engine, user) -> list[int]:
    with engine.connect() as conn:
        return [row.id for row in positions.list_to_check(conn, user, 10_000)]


def _count(page: str) -> int:
    return int(re.search(r'id="compte-positions">(\d+)<', page).group(1))


def test_the_animator_reads_the_location_conflict_on_the_offer_page(app, offers):
    (with_conflict, without), (animator, _other) = offers
    client = _client(app, animator, "10.9.0.1")
    page = client.get(f"/edition/offres/{with_conflict}")
    body = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200 and 'id="position-a-verifier"' in body
    assert MESSAGE in body and "mednum-v1" in body
    quiet = client.get(f"/edition/offres/{without}").get_data(as_text=True)
    assert 'id="position-a-verifier"' not in quiet


def test_counted_on_the_dashboard_of_the_territory_only(app, engine, offers):
    (with_conflict, without), (animator, other) = offers
    mine = _to_check(engine, animator)
    assert with_conflict in mine and without not in mine
    assert with_conflict not in _to_check(engine, other)  # Limoges: not Seine-Saint-Denis

    home = _client(app, animator, "10.9.0.2").get("/edition/").get_data(as_text=True)
    assert _count(home) == len(_to_check(engine, animator)) >= 1
    # after the conflicts with the sources, before the offers absent from their source
    order = [home.index(f'id="priorite-{k}"') for k in ("conflits", "positions", "absentes")]
    assert order == sorted(order)
    section = home[home.index('id="priorite-positions"') : home.index('id="priorite-absentes"')]
    assert f"/edition/offres/{with_conflict}/modifier" in section
    assert 'href="/edition/positions"' in section
    listed = _client(app, animator, "10.9.0.3").get("/edition/positions").get_data(True)
    assert f"/edition/offres/{with_conflict}/modifier" in listed
    assert html.escape(MESSAGE, quote=False) in listed

    elsewhere = _client(app, other, "10.9.0.4")
    for path in ("/edition/", "/edition/positions"):
        assert f"/edition/offres/{with_conflict}" not in elsewhere.get(path).get_data(True)


def test_keeping_the_position_settles_it_and_undoing_asks_again(app, engine, offers):
    (with_conflict, without), (animator, other) = offers
    outsider = _client(app, other, "10.9.0.5")
    denied = outsider.post(
        f"/edition/offres/{with_conflict}/position",
        data={"csrf_token": csrf(outsider, "/edition/")},
    )
    assert denied.status_code == 403  # another territory's animator: checked on the server
    client = _client(app, animator, "10.9.0.6")
    token = csrf(client, "/edition/")
    before = _count(client.get("/edition/").get_data(as_text=True))
    nothing = client.post(f"/edition/offres/{without}/position", data={"csrf_token": token})
    assert nothing.status_code == 404  # nothing to check on that one

    done = client.post(
        f"/edition/offres/{with_conflict}/position",
        data={"csrf_token": token, "retour": "/edition/positions"},
    )
    assert done.status_code == 302 and done.location.endswith("/edition/positions")
    page = html.unescape(client.get("/edition/positions").get_data(as_text=True))
    assert f"Position de « {NAME} conflit » vérifiée" in page
    assert f"/edition/offres/{with_conflict}/modifier" not in page
    assert _count(client.get("/edition/").get_data(as_text=True)) == before - 1
    offer_page = client.get(f"/edition/offres/{with_conflict}").get_data(as_text=True)
    assert 'id="position-a-verifier"' not in offer_page
    history = client.get(f"/offres/{with_conflict}/historique").get_data(as_text=True)
    assert "Position vérifiée : position actuelle conservée." in html.unescape(history)

    change = int(re.search(r"/edition/modifications/(\d+)/annuler", page).group(1))
    undone = client.post(f"/edition/modifications/{change}/annuler", data={"csrf_token": token})
    assert undone.status_code == 302
    assert with_conflict in _to_check(engine, animator)


def test_moving_the_pin_settles_it_and_a_changed_record_asks_again(engine, offers):
    (with_conflict, _without), (animator, _other) = offers
    with engine.begin() as conn:
        services.edit_offer(
            conn, animator, with_conflict, {"point": {"lon": 1.2611, "lat": 45.8336}}
        )
    assert with_conflict not in _to_check(engine, animator)
    with engine.begin() as conn:  # a later import rewrites the record, still contradicting
        conn.execute(
            text(
                "UPDATE enregistrement_source SET modifie_le = now() + interval '1 minute'"
                " WHERE source_id = :s"
            ),
            {"s": NAME},
        )
    assert with_conflict in _to_check(engine, animator)
