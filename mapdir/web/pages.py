"""Home page and health check."""

from __future__ import annotations

from flask import jsonify, redirect, render_template, url_for

from mapdir.db import database_answers
from mapdir.http.context import engine, search_connection
from mapdir.offers import search_sql
from mapdir.web import web_bp


@web_bp.get("/")
def home():
    return render_template("index.html")


@web_bp.get("/favicon.ico")
def favicon():
    """Browsers ask /favicon.ico whatever the page says: the site's icon is an SVG."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


def _search_answers() -> tuple[bool, str]:
    """The search's own path: its engine's pool, the driver cursor, a prepared statement."""
    try:
        return True, f"PostGIS {search_sql.postgis_version(search_connection())}"
    except Exception as exc:  # noqa: BLE001 - any failure means "not answering"
        return False, type(exc).__name__


@web_bp.get("/sante")
def health():
    try:
        ok, info = database_answers(engine())
    except Exception as exc:  # noqa: BLE001 - the embedded base may not be initialised
        ok, info = False, type(exc).__name__
    search_ok, search_info = _search_answers() if ok else (False, info)
    body = {
        "statut": "ok" if ok and search_ok else "degrade",
        "base_de_donnees": "répond" if ok else "ne répond pas",
        "recherche": "répond" if search_ok else "ne répond pas",
        "detail": info if not ok or search_ok else search_info,
    }
    return jsonify(body), 200 if ok and search_ok else 503
