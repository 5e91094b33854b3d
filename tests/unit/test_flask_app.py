"""mapdir's Flask class: the orjson provider gives the same JSON as Flask's default one, and
sessions without a cookie skip the signing serializer."""

import dataclasses
import json
import uuid
from datetime import date, datetime
from decimal import Decimal

import numpy as np
from flask import Flask, render_template_string, session

from mapdir.http.flask_app import MapdirFlask


@dataclasses.dataclass
class Point:
    x: float
    y: float


SAMPLE = {
    "nom": "Médiathèque « Les Saules » <b>",
    "liste": [1, 2.5, None, True, "é"],
    1: "clé entière",
    "jour": date(2026, 12, 1),
    "moment": datetime(2026, 12, 1, 9, 30),
    "montant": Decimal("12.50"),
    "uid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "point": Point(1.5, 45.25),
}


def _apps() -> tuple[Flask, Flask]:
    fast, standard = MapdirFlask("fast"), Flask("standard")
    for app in (fast, standard):
        app.json.ensure_ascii = False
        app.json.sort_keys = False
    return fast, standard


def test_same_json_as_flask_default(monkeypatch):
    fast, standard = _apps()
    with standard.app_context():
        reference = standard.json.response(SAMPLE)

    def not_the_fast_path(*_args, **_kwargs):
        raise AssertionError("json.dumps used: the orjson path was not taken")

    monkeypatch.setattr("flask.json.provider.json.dumps", not_the_fast_path)
    with fast.app_context():
        ours = fast.json.response(SAMPLE)
        text = fast.json.dumps(SAMPLE)
    assert json.loads(ours.get_data()) == json.loads(reference.get_data())
    assert json.loads(text) == json.loads(reference.get_data())
    assert ours.mimetype == "application/json"
    body = ours.get_data(as_text=True)
    assert "Médiathèque « Les Saules »" in body  # UTF-8, not \\u escapes
    assert '"jour":"Tue, 01 Dec 2026 00:00:00 GMT"' in body  # Flask's HTTP dates
    assert body.index('"nom"') < body.index('"liste"') < body.index('"point"')  # key order


def test_numpy_values_and_debug_indentation():
    fast, _ = _apps()
    with fast.app_context():
        assert json.loads(fast.json.dumps({"a": np.array([1.5, 2.0])})) == {"a": [1.5, 2.0]}
        fast.debug = True
        assert "\n  " in fast.json.response({"a": 1}).get_data(as_text=True)


def test_templates_tojson_still_escapes_html():
    fast, _ = _apps()
    with fast.app_context():
        html = render_template_string("{{ v | tojson }}", v={"b": "</script>", "a": 1})
    assert "</script>" not in html and "\\u003c/script\\u003e" in html
    assert html.index('"a"') < html.index('"b"')  # the filter's sorted keys kept


def test_sessions_still_round_trip_and_none_is_built_without_cookie(monkeypatch):
    app = MapdirFlask("sessions")
    app.secret_key = "test"

    @app.get("/set")
    def set_value():
        session["vu"] = 1
        return "ok"

    @app.get("/get")
    def get_value():
        return str(session.get("vu", 0))

    built = []
    real = app.session_interface.get_signing_serializer
    monkeypatch.setattr(
        app.session_interface,
        "get_signing_serializer",
        lambda a: built.append(1) or real(a),
    )
    client = app.test_client()
    assert client.get("/get").get_data(as_text=True) == "0"
    assert built == []  # no cookie: no serializer
    assert client.get("/set").status_code == 200
    assert client.get("/get").get_data(as_text=True) == "1"  # the signed cookie read back
    assert built  # used once a cookie exists
    client.set_cookie("session", "forged")
    assert client.get("/get").get_data(as_text=True) == "0"  # a bad signature: empty
