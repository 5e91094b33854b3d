"""Every JSON answer of the API is declared in the generated OpenAPI document, and real
answers match it: each JSON endpoint is called with a typical request (on the real 87
directory with its need indicators; the plans' life cycle on the session database) and its
answer is validated against the document's response schema with jsonschema (Draft 2020-12,
the ``#/components/schemas/…`` references resolved through a registry holding the document).
The planner's models forbid undeclared keys, so a key added to an answer fails here too."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.integration.test_auth import drop_users, login, make_user
from tests.integration.test_planner_api import (
    csrf_token,
    insert_synthetic_offers,
    remove_planner_rows,
)

DOCUMENT = "urn:mapdir:openapi"
JSON_MEDIA = ("application/json", "application/geo+json")
# (path in the document, URL after /api/v1/, JSON body of a POST or None)
READS = [
    ("/openapi.json", "openapi.json", None),
    ("/communes", "communes?code_postal=87400", None),
    ("/communes", "communes?q=saint&limite=5", None),
    ("/communes/{code}", "communes/87085", None),
    ("/recherche", "recherche?code_commune=87190&limite=5", None),
    ("/recherche", "recherche?lat=45.85&lon=1.25&limite=3&ouvert=2026-12-02T10:00", None),
    ("/offres/{id}", "offres/{first_offer}", None),
    ("/offres.geojson", "offres.geojson?bbox=1,45.5,1.5,46&limite=50", None),
    ("/export/data-inclusion/structures", "export/data-inclusion/structures?size=5", None),
    ("/export/data-inclusion/services", "export/data-inclusion/services?departement=87", None),
    ("/couverture", "couverture?departement=87&seuil_min=10&zone_blanche_min=15", None),
    ("/couverture.geojson", "couverture.geojson?departement=87", None),
    ("/accessibilite", "accessibilite?departement=87", None),
    ("/accessibilite", "accessibilite?departement=87&mode=sans_voiture&besoin=seniors", None),
    ("/accessibilite.geojson", "accessibilite.geojson?departement=87&type_offre=formation", None),
    ("/classement", "classement?departement=87", None),
    ("/classement", "classement?departement=87&niveau=canton&mesure=distance&seuil_min=5", None),
    ("/plans", "plans?departement=87", None),
    ("/planification", "planification", {"departement": "87", "k": 3}),
    (
        "/planification",
        "planification",
        {"departement": "87", "k": 3, "mesure": "distance", "seuil_min": 5},
    ),
]
#: the plans' life cycle, in this order: (path in the document, method)
PLAN_STEPS = [
    ("/planification/publier", "post"),
    ("/plans", "get"),
    ("/plans/{plan_id}/confirmer", "post"),
    ("/plans/{plan_id}/retirer", "post"),
]


@pytest.fixture(scope="module")
def doc(app):
    with app.test_client() as client:
        return client.get("/api/v1/openapi.json").get_json()


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def assert_matches_document(doc: dict, path: str, method: str, response) -> None:
    """``response`` (a test client's) is valid against the schema the document declares
    for its path, method, status and media type."""
    registry = Registry().with_resource(
        DOCUMENT, Resource.from_contents(doc, default_specification=DRAFT202012)
    )
    where = ("paths", path, method, "responses", str(response.status_code))
    schema = {"$ref": DOCUMENT + _pointer(*where, "content", response.mimetype, "schema")}
    validator = Draft202012Validator(schema, registry=registry)
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}"
        for e in validator.iter_errors(response.get_json())
    ]
    assert not errors, f"{method.upper()} {path}: " + "\n".join(errors[:10])


def json_answers(doc: dict):
    """(path, method, status, media, schema) of every JSON answer the document declares."""
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                for media, content in response.get("content", {}).items():
                    if media in JSON_MEDIA:
                        yield path, method, status, media, content["schema"]


def test_no_json_answer_is_a_bare_object(doc):
    answers = list(json_answers(doc))
    assert len(answers) > 40
    bare = [a[:4] for a in answers if a[4] in ({"type": "object"}, {})]
    assert not bare
    for *_, schema in answers:  # every answer names a model of the document's components
        name = schema["$ref"].removeprefix("#/components/schemas/")
        assert name in doc["components"]["schemas"]


def test_every_json_operation_is_called_below(doc):
    called = {(path, "post" if body else "get") for path, _url, body in READS}
    called |= set(PLAN_STEPS)
    successes = {(p, m) for p, m, status, *_ in json_answers(doc) if status.startswith("2")}
    assert called == successes


@pytest.mark.parametrize(("path", "url", "body"), READS)
def test_real_answers_match_the_document(doc, indicators_client, path, url, body):
    if "{first_offer}" in url:
        found = indicators_client.get("/api/v1/recherche?code_commune=87085&limite=1")
        url = url.format(first_offer=found.get_json()["resultats"][0]["id"])
    if body is None:
        response = indicators_client.get("/api/v1/" + url)
    else:
        response = indicators_client.post("/api/v1/" + url, json=body)
    assert response.status_code == 200, response.get_json()
    assert_matches_document(doc, path, "post" if body else "get", response)


@pytest.fixture()
def planner(app, engine):
    """A logged-in administrator on the session database with a few synthetic offers."""
    with engine.begin() as conn:
        remove_planner_rows(conn)
        insert_synthetic_offers(conn)
    user = make_user(engine, "admin")
    client = app.test_client()
    login(client, user.email)
    yield client
    with engine.begin() as conn:
        remove_planner_rows(conn)
    drop_users(engine, [user])


def test_a_plans_life_cycle_matches_the_document(doc, planner):
    headers = {"X-CSRFToken": csrf_token(planner)}
    published = planner.post(
        "/api/v1/planification/publier", json={"departement": "87", "k": 3}, headers=headers
    )
    assert published.status_code == 201 and published.get_json()["plan"]["arrets"]
    plan_id = published.get_json()["plan_id"]
    listed = planner.get("/api/v1/plans?departement=87")
    assert [p["id"] for p in listed.get_json()["plans"]] == [plan_id]
    confirmed = planner.post(f"/api/v1/plans/{plan_id}/confirmer", headers=headers)
    withdrawn = planner.post(f"/api/v1/plans/{plan_id}/retirer", headers=headers)
    for (path, method), response in zip(
        PLAN_STEPS, (published, listed, confirmed, withdrawn), strict=True
    ):
        assert response.status_code < 300, response.get_json()
        assert_matches_document(doc, path, method, response)
