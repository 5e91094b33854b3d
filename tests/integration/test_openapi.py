"""The generated OpenAPI document: valid OpenAPI 3.1, exactly the API's routes (no more, no
less), and real answers of the real 87 directory that match the schemas it declares."""

from __future__ import annotations

import re

import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from mapdir.offers.parameters import SearchParams

IGNORED_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture(scope="module")
def doc(app):
    with app.test_client() as client:
        response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def check_answer(doc: dict, path: str, method: str, response) -> None:
    """``response`` (a test client response) matches what the document says of it."""
    declared = doc["paths"][path][method]["responses"][str(response.status_code)]
    schema = declared["content"][response.mimetype]["schema"]
    OAS31Validator({**schema, "components": doc["components"]}).validate(response.get_json())


def test_document_is_valid_openapi_3_1(doc):
    assert doc["openapi"] == "3.1.0"
    validate(doc)  # raises on any error of the document against the OpenAPI 3.1 schema


def test_document_has_every_api_route_and_nothing_else(app, doc):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            routes |= {(path, m.lower()) for m in rule.methods - IGNORED_METHODS}
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert routes and documented == routes


def test_search_parameters_are_the_accepted_ones(doc):
    names = [p["name"] for p in doc["paths"]["/recherche"]["get"]["parameters"]]
    assert names == list(SearchParams.model_fields)
    services = next(
        p for p in doc["paths"]["/recherche"]["get"]["parameters"] if p["name"] == "services"
    )
    assert services["style"] == "form" and services["explode"] is False
    assert "demarches-administratives" in services["schema"]["items"]["enum"]


@pytest.mark.parametrize(
    ("path", "url"),
    [
        ("/communes", "communes?code_postal=87400"),
        ("/communes", "communes?q=saint&limite=5"),
        ("/communes", "communes?q=a"),
        ("/communes/{code}", "communes/87085"),
        ("/communes/{code}", "communes/99999"),
        ("/recherche", "recherche?code_commune=87190&limite=5"),
        ("/recherche", "recherche?code_postal=87000&limite=5&modalites=distance"),
        ("/recherche", "recherche?lat=45.85&lon=1.25&limite=3&ouvert=2026-12-02T10:00"),
        ("/recherche", "recherche?code_postal=87400&limite=dix"),
        ("/recherche", "recherche?code_postal=00000"),
        ("/offres/{id}", "offres/3"),
        ("/offres/{id}", "offres/999999999"),
        ("/offres.geojson", "offres.geojson?bbox=1,45.5,1.5,46&limite=50"),
        ("/offres.geojson", "offres.geojson?bbox=1,45.5"),
    ],
)
def test_answers_match_the_document(doc, real_client, path, url):
    check_answer(doc, path, "get", real_client.get("/api/v1/" + url))
