"""Per-request context shared by the pages and the API: the settings, the database
connections and the signed-in user.

Sessions are Flask's signed cookies (flags set in ``create_app``): they hold the user id
and the account's ``version_session``, so disabling an account or changing its password
ends its other sessions. The user is re-read from the database on every request.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, session
from sqlalchemy.engine import Connection, Engine

from mapdir.config import Settings
from mapdir.db import get_engine, get_search_engine
from mapdir.editing import accounts


def settings() -> Settings:
    return current_app.config["MAPDIR_SETTINGS"]


def engine() -> Engine:
    return get_engine(settings())


def connection() -> Connection:
    """One read connection per request, closed at teardown."""
    if "db_conn" not in g:
        g.db_conn = engine().connect()
    return g.db_conn


def search_connection() -> Connection:
    """A per-request connection of the search engine (autocommit, generic plans at once:
    mapdir.db.get_search_engine), for the prescribers' search, which only reads."""
    if "db_search" not in g:
        g.db_search = get_search_engine(settings()).connect()
    return g.db_search


def close_connection(_exc: BaseException | None = None) -> None:
    for key in ("db_conn", "db_search"):
        conn = g.pop(key, None)
        if conn is not None:
            conn.close()


def load_user() -> None:
    """Before each request: ``g.user`` is the signed-in, still active user, or None."""
    g.user = None
    user_id = session.get("uid")
    if user_id is None:
        return
    user = accounts.get_user(connection(), int(user_id))
    if user is None or not user.actif or user.version_session != session.get("sv"):
        session.clear()
        return
    g.user = user


def current_user() -> accounts.User | None:
    return g.get("user")


def inject_user() -> dict[str, Any]:
    return {"current_user": g.get("user")}


def init_app(app: Flask) -> None:
    """Register the user loading on every request and ``current_user`` in templates."""
    app.before_request(load_user)
    app.context_processor(inject_user)
