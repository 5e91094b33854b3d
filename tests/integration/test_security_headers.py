"""Security headers on every route of the url_map (issue 19, finding 10), for an anonymous
visitor and an administrator, whatever the status (pages, redirects, 4xx, static files),
and the per-view framing exception of embeddable views."""

from __future__ import annotations

import pytest
from werkzeug.routing import Rule

from mapdir import create_app
from mapdir.http.security_headers import (
    content_security_policy,
    embeddable,
    is_embeddable,
    tile_source,
)
from tests.integration.test_auth import drop_users, login, make_user

SAMPLES = {"departement": "87", "fmt": "csv", "code": "87085", "filename": "css/site.css"}


def _url(rule: Rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        kind = type(converter).__name__
        if kind == "IntegerConverter":
            values[name] = 1
        elif kind == "AnyConverter":
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = SAMPLES.get(name, "x")
    return rule.build(values)[1]


def _requests(app) -> list[tuple[str, str, bool]]:
    """(method, url, embeddable) of every rule."""
    out = []
    for rule in app.url_map.iter_rules():
        framed = is_embeddable(app.view_functions.get(rule.endpoint))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((method, _url(rule), framed))
    return out


def _directives(policy: str) -> dict[str, str]:
    return dict((part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";"))


def _assert_strict(response, where: str, framed: bool = False) -> None:
    """The strict headers; ``framed``: an embeddable view (the widget), whose frame-ancestors
    come from MAPDIR_WIDGET_FRAME_ANCESTORS (default "*") and which sends no X-Frame-Options."""
    headers = response.headers
    csp = _directives(headers.get("Content-Security-Policy", ""))
    assert csp.get("default-src") == "'none'", where
    assert csp.get("script-src") == "'self'" and csp.get("style-src") == "'self'", where
    assert "unsafe-inline" not in headers["Content-Security-Policy"], where
    assert csp.get("frame-ancestors") == ("*" if framed else "'none'"), where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("X-Frame-Options") == (None if framed else "DENY"), where
    assert headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", where


@pytest.fixture()
def admin_client(app, engine):
    user = make_user(engine, "admin")
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    yield client
    drop_users(engine, [user])


def test_every_route_answers_with_the_headers(app, client, admin_client):
    requests = _requests(app)
    assert len(requests) >= 50  # every rule, every method
    statuses = set()
    for who, c in (("anonyme", client), ("admin", admin_client)):
        for method, url, framed in requests:
            response = c.open(url, method=method)
            statuses.add(response.status_code)
            _assert_strict(response, f"{who} {method} {url} -> {response.status_code}", framed)
    _assert_strict(client.get("/nulle-part"), "404")
    assert {200, 302, 400, 404} <= statuses
    assert any(framed for *_rest, framed in requests)  # the widget's page


def test_tile_host_allowed_for_images_only():
    assert tile_source("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png") == (
        "https://*.tile.openstreetmap.org"
    )
    assert tile_source("https://tuiles.example.fr/{z}/{x}/{y}.png") == "https://tuiles.example.fr"
    assert tile_source("/tuiles/{z}/{x}/{y}.png") is None


def test_embeddable_views_take_the_widget_setting(settings):
    app = create_app(
        {**settings.values, "MAPDIR_WIDGET_FRAME_ANCESTORS": "https://www.haute-vienne.fr"}
    )

    @embeddable
    def widget():
        return "<p>widget</p>"

    app.add_url_rule("/widget-essai", view_func=widget)
    app.add_url_rule("/pas-un-widget", view_func=lambda: "<p>page</p>", endpoint="page")
    client = app.test_client()
    framed = client.get("/widget-essai")
    csp = _directives(framed.headers["Content-Security-Policy"])
    assert csp["frame-ancestors"] == "https://www.haute-vienne.fr"
    assert csp["script-src"] == "'self'" and "X-Frame-Options" not in framed.headers
    _assert_strict(client.get("/pas-un-widget"), "a view not marked embeddable")
    assert "frame-ancestors 'none'" in content_security_policy(settings)
