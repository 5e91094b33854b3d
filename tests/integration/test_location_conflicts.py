"""Issue 17: coordinates that contradict the commune keep the place at the commune's point
and the conflict is stored for an animator (etl/prepare.py, ``donnees.conflit_localisation``),
who reads it on the offer's back-office page and corrects the position if need be."""

from __future__ import annotations

import html

import pytest

from tests.editing_world import LIMOGES, delete_offers, insert_location_conflict, insert_offer
from tests.integration.test_auth import drop_users, login, make_user

NAME = "TEST-CONFLIT-LOC"
MESSAGE = "coordonnées de la source (45.03839, 5.66101) à 97.3 km de Limoges (87085)"


@pytest.fixture()
def offers(engine):
    ids = [insert_offer(engine, LIMOGES, f"{NAME} {k}", horaires=None) for k in ("conflit", "sans")]
    insert_location_conflict(engine, ids[0], NAME, MESSAGE)
    user = make_user(engine, "animateur", departement="87")
    yield ids, user
    drop_users(engine, [user])
    delete_offers(engine, ids)


def test_the_animator_reads_the_location_conflict_on_the_offer_page(app, offers):
    (with_conflict, without), user = offers
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    page = client.get(f"/edition/offres/{with_conflict}")
    body = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200 and 'id="position-a-verifier"' in body
    assert MESSAGE in body and "mednum-v1" in body
    quiet = client.get(f"/edition/offres/{without}").get_data(as_text=True)
    assert 'id="position-a-verifier"' not in quiet
