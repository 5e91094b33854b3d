"""Issue 17: coordinates that contradict the commune keep the place at the commune's point
and the conflict is stored for an animator (etl/prepare.py, ``donnees.conflit_localisation``),
who reads it on the offer's back-office page and corrects the position if need be."""

from __future__ import annotations

import html
import json

import pytest
from sqlalchemy import text

from tests.integration.test_auth import drop_users, login, make_user

NAME = "TEST-CONFLIT-LOC"
MESSAGE = "coordonnées de la source (45.03839, 5.66101) à 97.3 km de Limoges (87085)"


@pytest.fixture()
def offers(engine):
    with engine.begin() as conn:
        ids = [
            conn.execute(
                text(
                    "INSERT INTO offre (nom, code_insee, commune_nom, statut, point)"
                    " SELECT :n, code, nom, 'active', point FROM commune WHERE code = '87085'"
                    " RETURNING id"
                ),
                {"n": f"{NAME} {k}"},
            ).scalar_one()
            for k in ("conflit", "sans")
        ]
        donnees = {"conflit_localisation": {"message": MESSAGE, "latitude": 45.03839,
                                            "longitude": 5.66101, "distance_km": 97.3}}  # fmt: skip
        conn.execute(
            text(
                "INSERT INTO enregistrement_source (source, source_id, offre_id, brut, donnees,"
                " empreinte) VALUES ('mednum-v1', :s, :o, '{}', CAST(:d AS jsonb), 'x')"
            ),
            {"s": NAME, "o": ids[0], "d": json.dumps(donnees)},
        )
    user = make_user(engine, "animateur", departement="87")
    yield ids, user
    drop_users(engine, [user])
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM enregistrement_source WHERE source_id = :s"), {"s": NAME})
        conn.execute(text("DELETE FROM offre WHERE id = ANY(:i)"), {"i": ids})


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
