"""One place turns errors into responses: JSON under /api/, HTML elsewhere."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from mapdir.errors import MapdirError
from mapdir.http.context import close_connection

log = logging.getLogger(__name__)

HTTP_MESSAGES = {
    400: "Requête invalide.",
    403: "Accès refusé.",
    404: "Page introuvable.",
    405: "Méthode non autorisée.",
    413: "Fichier trop volumineux.",
    429: "Trop de tentatives : réessayez dans quelques minutes.",
    500: "Erreur interne : l'équipe a été prévenue.",
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.endswith((".json", ".geojson"))


def _respond(status: int, body: dict):
    if wants_json():
        return jsonify(body), status
    return render_template("erreur.html", status=status, message=body["erreur"]), status


def register_error_handlers(app: Flask) -> None:
    app.teardown_appcontext(close_connection)

    @app.errorhandler(MapdirError)
    def _mapdir_error(exc: MapdirError):
        return _respond(exc.http_status, exc.to_dict())

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        message = HTTP_MESSAGES.get(status, exc.name)
        return _respond(status, {"erreur": message})

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unexpected error on %s", request.path)
        return _respond(500, {"erreur": HTTP_MESSAGES[500]})
