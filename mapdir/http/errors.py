"""One place turns errors into responses: JSON under /api/, HTML elsewhere."""

from __future__ import annotations

import logging

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from mapdir.db import DATABASE_DOWN
from mapdir.errors import DatabaseUnavailable, MapdirError
from mapdir.http.context import close_connection

log = logging.getLogger(__name__)

HTTP_MESSAGES = {
    400: "Requête invalide.",
    403: "Accès refusé.",
    404: "Page introuvable.",
    405: "Méthode non autorisée.",
    413: "Requête trop volumineuse : 5 Mo au plus pour un fichier importé, 256 Ko sinon.",
    429: "Trop de tentatives : réessayez dans quelques minutes.",
    500: "Erreur interne : l'équipe a été prévenue.",
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.endswith((".json", ".geojson"))


RETRY_AFTER_S = 30


def _respond(status: int, body: dict):
    if wants_json():
        response = jsonify(body)
    else:
        page = render_template("erreur.html", status=status, message=body["erreur"])
        response = current_app.response_class(page, mimetype="text/html")
    response.status_code = status
    if status == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


def register_error_handlers(app: Flask) -> None:
    app.teardown_appcontext(close_connection)

    @app.errorhandler(MapdirError)
    def _mapdir_error(exc: MapdirError):
        return _respond(exc.http_status, exc.to_dict())

    for kind in DATABASE_DOWN:

        @app.errorhandler(kind)
        def _database_down(exc: Exception):
            log.warning("database unavailable on %s: %s", request.path, exc)
            return _respond(503, DatabaseUnavailable().to_dict())

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        message = HTTP_MESSAGES.get(status, exc.name)
        return _respond(status, {"erreur": message})

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unexpected error on %s", request.path)
        return _respond(500, {"erreur": HTTP_MESSAGES[500]})
