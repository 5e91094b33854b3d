"""Each 500 the attack found on bad input is now a French 400 (issue 19, finding 8), and
numbers take ASCII digits only ("²".isdigit() and int("٣") are true in Python)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.integration.test_auth import csrf, drop_users, login, make_user
from tests.search_factories import insert_offer, insert_permanence


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/offres/%C2%B2",
        "/api/v1/offres/%D9%A3",
        "/fiche?offres=%C2%B2",
        "/fiche?offres=%D9%A3",
        "/api/v1/recherche?code_postal=87000&limite=%D9%A3",
        "/api/v1/communes?q=Lim&limite=%D9%A3",
    ],
)
def test_non_ascii_digits_get_a_400(client, path):
    response = client.get(path)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    if path.startswith("/api/"):
        assert response.get_json()["erreur"]


def test_a_subnormal_latitude_is_a_point_not_an_error(client):
    response = client.get("/api/v1/recherche?lat=5e-324&lon=1&limite=1")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.get_json()["origine"]["mode"] == "point"


@pytest.fixture()
def a_permanence(engine):
    """An active offer with an active permanence: the search's stops then compute a radius
    from the origin's latitude (cos(radians(lat)) in SQL), where 5e-324 underflowed."""
    with engine.begin() as conn:
        offre = insert_offer(conn, "Sous-dépassement", 1.26, 45.83, statut="active")
        insert_permanence(conn, offre, "87085", "Mo 09:00-12:00")
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM permanence WHERE offre_id = :o"), {"o": offre})
        conn.execute(text("DELETE FROM offre WHERE id = :o"), {"o": offre})


@pytest.mark.parametrize(
    "query",
    [
        "recherche?lat=5e-324&lon=1",
        "recherche?lat=-5e-324&lon=1",
        "recherche?lat=45.8&lon=5e-324",
        "recherche?lat=1e-200&lon=1e-200",
        "recherche?lat=4.9e-324&lon=2.5e-320",
        "offres.geojson?bbox=5e-324,5e-324,1,1",
    ],
)
def test_tiny_coordinates_are_zero_with_permanences_present(client, a_permanence, query):
    response = client.get(f"/api/v1/{query}&limite=1")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    if query.startswith("recherche"):
        point = response.get_json()["origine"]["point"]["coordinates"]
        assert all(v == 0.0 or abs(v) >= 1 for v in point), point  # flushed to 0


def test_100000_nested_brackets_are_a_400(client):
    response = client.post(
        "/api/v1/planification", data="[" * 100_000, content_type="application/json"
    )
    assert response.status_code == 400 and response.get_json()["erreur"]


@pytest.mark.parametrize("solveur", ["greedy", "exact"])
def test_every_solver_offered_is_accepted(client, solveur):
    body = {"departement": "87", "k": 1, "seuil_min": 20, "solveur": solveur}
    response = client.post("/api/v1/planification", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]


@pytest.fixture()
def animator(app, engine):
    user = make_user(engine, "animateur", departement="87")
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    yield client
    drop_users(engine, [user])


def test_a_column_number_in_unicode_digits_is_a_400(animator):
    import io
    import re

    page = animator.post(
        "/edition/import",
        data={
            "csrf_token": csrf(animator, "/edition/import"),
            "fichier": (io.BytesIO(b"nom\nLieu\n"), "lieux.csv"),
        },
    ).get_data(as_text=True)
    token = re.search(r"/edition/import/([\w-]+)", page).group(1)
    response = animator.post(
        f"/edition/import/{token}",
        data={"csrf_token": csrf(animator, "/edition/import"), "colonne_nom": "²"},
    )
    assert response.status_code == 400
