"""Project exceptions: each carries an HTTP status and a French message for the user."""

from __future__ import annotations

from typing import Any


class MapdirError(Exception):
    """Base error: converted to JSON/HTML in one place (web) or one line (CLI)."""

    http_status = 400

    def __init__(self, message: str, detail: Any = None, parametre: str | None = None):
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.parametre = parametre

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"erreur": self.message}
        if self.parametre:
            body["parametre"] = self.parametre
        if self.detail is not None:
            body["detail"] = self.detail
        return body


class InvalidParameter(MapdirError):
    http_status = 400


class NotFound(MapdirError):
    http_status = 404


class Forbidden(MapdirError):
    http_status = 403


class Conflict(MapdirError):
    http_status = 409


class DatabaseUnavailable(MapdirError):
    """The database does not answer (down, restarting): the request may be retried."""

    http_status = 503
    default_message = (
        "La base de données ne répond pas pour le moment : réessayez dans quelques instants."
    )

    def __init__(self, message: str | None = None, detail: Any = None):
        super().__init__(message or self.default_message, detail)


class SetupError(MapdirError):
    """Something missing on the machine (binaries, data files)."""

    http_status = 500
