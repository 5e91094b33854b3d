"""Per-request access to the settings and a database connection."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.engine import Connection, Engine

from mapdir.config import Settings
from mapdir.db import get_engine


def settings() -> Settings:
    return current_app.config["MAPDIR_SETTINGS"]


def engine() -> Engine:
    return get_engine(settings())


def connection() -> Connection:
    """One read connection per request, closed at teardown."""
    if "db_conn" not in g:
        g.db_conn = engine().connect()
    return g.db_conn


def autocommit_connection() -> Connection:
    """A per-request connection where each statement is its own transaction, for read-only
    hot paths (the search API): no BEGIN / COMMIT round trips around its two statements."""
    if "db_autocommit" not in g:
        g.db_autocommit = engine().connect().execution_options(isolation_level="AUTOCOMMIT")
    return g.db_autocommit


def close_connection(_exc: BaseException | None = None) -> None:
    for key in ("db_conn", "db_autocommit"):
        conn = g.pop(key, None)
        if conn is not None:
            conn.close()
