"""Planner API, pages and exports on the session database (87 polygons) with a few
synthetic offers placed at the 4 most populated communes of 87 (removed at the end)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import text

from mapdir.planner import exports
from tests.integration.test_auth import drop_users, login, make_user

OFFER_PREFIX = "planner-test "
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client) -> str:
    """The session's CSRF token, read from the planner page's forms (a visitor has none
    there: from the login form)."""
    found = TOKEN.search(client.get("/planification/87?k=2").get_data(as_text=True))
    found = found or TOKEN.search(client.get("/connexion").get_data(as_text=True))
    return found.group(1)


def remove_planner_rows(conn) -> None:
    """Delete the synthetic offers, the published plans and their permanences."""
    conn.execute(text("DELETE FROM plan_arret"))
    conn.execute(text("UPDATE plan_itinerance SET offre_id = NULL"))
    conn.execute(text("DELETE FROM plan_itinerance"))
    ids = "SELECT id FROM offre WHERE nom LIKE 'planner-test %' OR nom LIKE 'Itinérance%'"
    conn.execute(text(f"DELETE FROM permanence WHERE offre_id IN ({ids})"))
    conn.execute(text(f"DELETE FROM offre WHERE id IN ({ids})"))


def insert_synthetic_offers(conn, departement: str = "87", count: int = 4) -> None:
    conn.execute(
        text(
            "INSERT INTO offre (nom, code_insee, point, statut, services, programmes)"
            " SELECT :p || c.nom, c.code, c.point, 'active',"
            " ARRAY['demarches-administratives'], ARRAY['France Services']"
            " FROM commune c WHERE c.departement = :d ORDER BY c.population DESC LIMIT :n"
        ),
        {"p": OFFER_PREFIX, "d": departement, "n": count},
    )


@pytest.fixture(scope="module")
def offers(engine):
    with engine.begin() as conn:
        remove_planner_rows(conn)
        insert_synthetic_offers(conn)
    yield
    with engine.begin() as conn:
        remove_planner_rows(conn)


def test_coverage_rows_and_totals(client, offers, engine):
    body = client.get("/api/v1/couverture?departement=87&seuil_min=20").get_json()
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM commune WHERE departement='87'")).scalar()
    assert len(body["communes"]) == n
    row = body["communes"][0]
    for key in ("code", "nom", "population", "point", "offre_id", "offre_nom", "distance_km"):
        assert key in row
    assert {r["classe"] for r in body["communes"]} == {"couverte", "peu_couverte", "zone_blanche"}
    assert sum(t["communes"] for t in body["totaux"].values()) == n
    for r in body["communes"]:
        minutes = r["duree_estimee_min"]
        assert (r["classe"] == "couverte") == (minutes <= 20)
    wider = client.get("/api/v1/couverture?departement=87&seuil_min=40&zone_blanche_min=60")
    assert (
        wider.get_json()["totaux"]["couverte"]["communes"] > body["totaux"]["couverte"]["communes"]
    )
    assert body["indicateurs"]["offres_par_programme"]["France Services"] == 4


@pytest.mark.parametrize(
    "query, status, parametre",
    [
        ("departement=87&seuil_min=abc", 400, "seuil_min"),
        ("departement=87&seuil_min=0", 400, "seuil_min"),
        ("departement=87&seuil_min=30&zone_blanche_min=20", 400, "zone_blanche_min"),
        ("departement=87&services=cuisine", 400, "services"),
        ("departement=87&programme=Inconnu", 400, "programme"),
        ("seuil_min=20", 400, "departement"),
        ("departement=99", 404, "departement"),
        ("departement=01", 404, "departement"),
    ],
)
def test_coverage_bad_parameters(client, offers, query, status, parametre):
    response = client.get(f"/api/v1/couverture?{query}")
    assert response.status_code == status
    body = response.get_json()
    assert body["parametre"] == parametre and body["erreur"]


def test_department_without_polygons_says_so(client, offers):
    body = client.get("/api/v1/couverture?departement=01").get_json()
    assert "contours" in body["erreur"]


@pytest.mark.parametrize(
    "payload, parametre",
    [
        ({"departement": "87", "k": 0}, "k"),
        ({"departement": "87", "k": 9999}, "k"),
        ({"departement": "87", "k": 3, "solveur": "magique"}, "solveur"),
        ({"departement": "87", "k": 3, "territoire": "12"}, "territoire"),
        ({"departement": "87", "k": 3, "territoire": "999999999"}, "territoire"),
        ({"departement": "87", "k": 3, "cycle_semaines": 3}, "cycle_semaines"),
        ({"departement": "87", "k": 3, "depot": "75056"}, "depot"),
    ],
)
def test_planification_bad_parameters(client, offers, payload, parametre):
    response = client.post("/api/v1/planification", json=payload)
    assert response.status_code == 400
    assert response.get_json()["parametre"] == parametre


def test_planification_not_json(client, offers):
    response = client.post("/api/v1/planification", data="k=3")
    assert response.status_code == 400 and "JSON" in response.get_json()["erreur"]


def test_planification_stops_curve_rota(client, offers):
    body = client.post(
        "/api/v1/planification",
        json={"departement": "87", "k": 4, "seuil_min": 20, "mesure": "distance"},
    ).get_json()
    assert len(body["arrets"]) == 4
    assert body["population_gagnee"] == sum(a["gain_marginal"] for a in body["arrets"]) > 0
    gains = [a["gain_marginal"] for a in body["arrets"]]
    assert gains == sorted(gains, reverse=True)
    curve = [p["population_couverte"] for p in body["courbe"]]
    assert curve == sorted(curve)
    assert body["population_couverte_apres"] >= curve[3]  # exact ≥ greedy at K = 4
    slots = body["tournee"]["creneaux"]
    assert len(slots) + len(body["tournee"]["non_planifies"]) == 4
    assert body["couverture_totale"]["nombre_arrets"] >= 4


def test_territory_restricts_candidates(client, offers, engine):
    with engine.connect() as conn:
        siren = conn.execute(
            text(
                "SELECT epci FROM commune WHERE departement='87' GROUP BY epci"
                " ORDER BY count(*) DESC LIMIT 1"
            )
        ).scalar()
        members = set(
            conn.execute(text("SELECT code FROM commune WHERE epci = :e"), {"e": siren}).scalars()
        )
    body = client.post(
        "/api/v1/planification", json={"departement": "87", "k": 3, "territoire": siren}
    ).get_json()
    assert {a["code"] for a in body["arrets"]} <= members


@pytest.fixture()
def planner_users(engine):
    users = {
        "admin": make_user(engine, "admin"),
        "animateur87": make_user(engine, "animateur", departement="87"),
        "animateur93": make_user(engine, "animateur", departement="93"),
    }
    yield users
    drop_users(engine, list(users.values()))


def _plan_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM plan_itinerance")).scalar_one()


def test_only_admins_and_animators_of_the_departement_publish(
    app, client, offers, engine, planner_users
):
    payload = {"departement": "87", "k": 2}
    before = _plan_count(engine)
    headers = {"X-CSRFToken": csrf_token(client)}
    anonymous = client.post("/api/v1/planification/publier", json=payload, headers=headers)
    assert anonymous.status_code == 403 and "réservé" in anonymous.get_json()["erreur"]
    other = app.test_client()
    login(other, planner_users["animateur93"].email)
    headers = {"X-CSRFToken": csrf_token(other)}
    assert (
        other.post("/api/v1/planification/publier", json=payload, headers=headers).status_code
        == 403
    )
    assert _plan_count(engine) == before  # nothing created
    mine = app.test_client()
    login(mine, planner_users["animateur87"].email)
    headers = {"X-CSRFToken": csrf_token(mine)}
    created = mine.post("/api/v1/planification/publier", json=payload, headers=headers)
    assert created.status_code == 201
    plan_id = created.get_json()["plan_id"]
    headers = {"X-CSRFToken": csrf_token(other)}
    assert other.post(f"/api/v1/plans/{plan_id}/retirer", headers=headers).status_code == 403
    headers = {"X-CSRFToken": csrf_token(mine)}
    assert mine.post(f"/api/v1/plans/{plan_id}/retirer", headers=headers).status_code == 200


def test_publish_confirm_withdraw(client, offers, engine, planner_users):
    login(client, planner_users["admin"].email)
    payload = {"departement": "87", "k": 3, "cycle_semaines": 2}
    before = client.get("/api/v1/couverture?departement=87").get_json()
    assert client.post("/api/v1/planification/publier", json=payload).status_code == 400
    headers = {"X-CSRFToken": csrf_token(client)}
    response = client.post("/api/v1/planification/publier", json=payload, headers=headers)
    assert response.status_code == 201
    plan_id = response.get_json()["plan_id"]
    scheduled = {s["code"] for s in response.get_json()["plan"]["tournee"]["creneaux"]}
    assert scheduled
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT p.statut, p.origine, p.code_insee, p.horaires, o.statut AS offre"
                " FROM permanence p JOIN plan_itinerance pl ON pl.offre_id = p.offre_id"
                " JOIN offre o ON o.id = p.offre_id WHERE pl.id = :i"
            ),
            {"i": plan_id},
        ).all()
    assert {r.code_insee for r in rows} == scheduled
    assert {(r.statut, r.origine, r.offre) for r in rows} == {("projet", "planification", "projet")}
    assert all(r.horaires.startswith("week ") for r in rows)
    unchanged = client.get("/api/v1/couverture?departement=87").get_json()
    assert unchanged["totaux"] == before["totaux"]  # a projet does not count yet
    assert client.post(f"/api/v1/plans/{plan_id}/confirmer", headers=headers).status_code == 200
    after = client.get("/api/v1/couverture?departement=87").get_json()
    by_code = {r["code"]: r for r in after["communes"]}
    assert all(by_code[c]["distance_km"] == 0 and by_code[c]["par_permanence"] for c in scheduled)
    assert after["indicateurs"]["permanences_actives"] == len(scheduled)
    assert client.post(f"/api/v1/plans/{plan_id}/confirmer", headers=headers).status_code == 409
    assert client.post(f"/api/v1/plans/{plan_id}/retirer", headers=headers).status_code == 200
    with engine.connect() as conn:
        states = set(
            conn.execute(
                text(
                    "SELECT p.statut FROM permanence p JOIN plan_itinerance pl"
                    " ON pl.offre_id = p.offre_id WHERE pl.id = :i"
                ),
                {"i": plan_id},
            ).scalars()
        )
    assert states == {"fermee"}
    assert client.get("/api/v1/couverture?departement=87").get_json()["totaux"] == before["totaux"]
    assert client.post("/api/v1/plans/999999/confirmer", headers=headers).status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "geojson", "gpkg"])
def test_exports_read_back(client, offers, fmt):
    for what, api_path, column in (
        ("couverture", "couverture", "duree_estimee_min"),
        ("accessibilite", "accessibilite", "accessibilite"),
    ):
        coverage = client.get(f"/planification/87/export.{fmt}?seuil_min=20&quoi={what}")
        assert coverage.status_code == 200
        assert (
            f'filename="{what}-87-voiture-population-k5-' in coverage.headers["Content-Disposition"]
        )
        frame = exports.read_back(coverage.data, fmt)
        api = client.get(f"/api/v1/{api_path}?departement=87").get_json()
        assert len(frame) == len(api["communes"])
        assert {"code", "classe", column} <= set(frame.columns)
        by_code = {r["code"]: r["classe"] for r in api["communes"]}
        assert all(
            by_code[str(c)] == k for c, k in zip(frame["code"], frame["classe"], strict=True)
        )
        if fmt != "csv":
            assert set(frame.geometry.geom_type) <= {"Polygon", "MultiPolygon"}
    stops = client.get(f"/planification/87/export.{fmt}?quoi=arrets&k=3")
    stop_frame = exports.read_back(stops.data, fmt)
    assert len(stop_frame) == 3 and set(stop_frame.geometry.geom_type) == {"Point"}


def test_planner_page_and_forms(client, offers, planner_users):
    page = client.get("/planification/87?k=3")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="table-tournee"' in html and 'id="table-classement"' in html
    assert "vendor/leaflet/leaflet.js" in html and "unpkg" not in html
    assert "Planification" in client.get("/").get_data(as_text=True)
    bad = client.get("/planification/87?k=9999").get_data(as_text=True)
    assert "« k »" in bad
    form = {"k": "2", "seuil_min": "20"}
    token = csrf_token(client)
    refused = client.post("/planification/87/publier", data={**form, "csrf_token": token})
    assert refused.status_code == 403
    login(client, planner_users["admin"].email)
    token = csrf_token(client)
    assert client.post("/planification/87/publier", data=form).status_code == 400
    published = client.post("/planification/87/publier", data={**form, "csrf_token": token})
    assert published.status_code == 303 and "plan_publie=" in published.headers["Location"]
    listing = client.get("/api/v1/plans?departement=87").get_json()["plans"]
    assert listing[0]["statut"] == "publie" and listing[0]["permanences"] >= 1
    withdrawn = client.post(
        f"/planification/plans/{listing[0]['id']}/retirer", data={"csrf_token": token}
    )
    assert withdrawn.status_code == 303
    assert client.get("/api/v1/plans?departement=87").get_json()["plans"][0]["statut"] == "retire"
    assert client.get("/planification/01").status_code == 404


def test_csv_export_neutralises_formula_names(client, offers, engine):
    """Issue 19, finding 7: an offer named like a formula is written as text in the public
    CSV (the commune where it stands has it as nearest offer)."""
    name = '=HYPERLINK("http://evil.example","planner-test")'
    with engine.begin() as conn:
        code = conn.execute(
            text(
                "INSERT INTO offre (nom, code_insee, point, statut) SELECT :n, code, point,"
                " 'active' FROM commune WHERE departement = '87' AND population > 0"
                " ORDER BY population LIMIT 1 RETURNING code_insee"
            ),
            {"n": name},
        ).scalar_one()
    try:
        exported = {
            column: client.get(f"/planification/87/export.csv?quoi={what}").get_data()
            for what, column in (
                ("couverture", "offre_nom"),
                ("accessibilite", "offre_plus_proche"),
            )
        }
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM offre WHERE nom = :n"), {"n": name})
    for column, data in exported.items():
        # the French spreadsheet dialect: BOM, ';', decimal comma
        assert data.startswith("\ufeff".encode())
        text_data = data.decode("utf-8-sig")
        rows = {r["code"]: r for r in csv.DictReader(io.StringIO(text_data), delimiter=";")}
        assert rows[code][column] == "'" + name
        assert not any(v.startswith("=") for r in rows.values() for v in r.values() if v)
        assert "," in rows[code]["lon"] and "nom" in rows[code]  # names beside the codes
