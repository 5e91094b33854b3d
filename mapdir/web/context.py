"""Per-request access to the settings and a database connection."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.engine import Connection, Engine

from mapdir.config import Settings
from mapdir.db import get_engine, get_search_engine


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
