"""Home page and health check."""

from __future__ import annotations

from flask import jsonify, render_template

from mapdir.db import database_answers
from mapdir.http.context import engine
from mapdir.web import web_bp


@web_bp.get("/")
def home():
    return render_template("index.html")


@web_bp.get("/sante")
def health():
    try:
        ok, info = database_answers(engine())
    except Exception as exc:  # noqa: BLE001 - the embedded base may not be initialised
        ok, info = False, type(exc).__name__
    body = {
        "statut": "ok" if ok else "degrade",
        "base_de_donnees": "répond" if ok else "ne répond pas",
        "detail": info,
    }
    return jsonify(body), 200 if ok else 503
