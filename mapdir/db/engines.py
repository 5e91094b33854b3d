"""Engines: one pooled SQLAlchemy engine per database URL (and one for the search reads),
the driver connection under a SQLAlchemy one for hand-run cursors, and a health check."""

from __future__ import annotations

import json
import select
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import psycopg
import sqlalchemy.exc
from sqlalchemy import create_engine, event, func
from sqlalchemy import select as sql_select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DisconnectionError

from mapdir.config import Settings
from mapdir.db.location import database_url
from mapdir.errors import DatabaseUnavailable

#: driver and SQLAlchemy errors meaning "the database does not answer" (down, restarting,
#: connection lost): a French 503 for the web, one line for the command line
DATABASE_DOWN = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.DisconnectionError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)

#: a pooled connection idle for longer than this is pinged before use
IDLE_PING_S = 10.0


#: settings of the search connections (see _engine_for)
SEARCH_SETTINGS = {"plan_cache_mode": "force_generic_plan", "enable_sort": "off", "jit": "off"}


@lru_cache(maxsize=16)
def _engine_for(url: str, search: bool = False) -> Engine:
    """The pooled engine of a URL; ``search``: the one of the prescribers' search reads."""
    # LIFO: the most recently used connection serves next, so a few warm connections
    # (prepared statements, caches) do the work and the others may time out
    if search:
        # Autocommit (the search only reads: no BEGIN/COMMIT round trips); generic plans, no
        # sort, no JIT keep its statements planned once and walking the KNN index:
        # docs/decisions/0005-search-connections-generic-plans.md
        options = {
            "pool_size": 2,
            "max_overflow": 8,
            "pool_reset_on_return": None,
            "isolation_level": "AUTOCOMMIT",
            "connect_args": {
                "options": " ".join(f"-c {name}={value}" for name, value in SEARCH_SETTINGS.items())
            },
        }
    else:
        # A connection goes back to the pool with COMMIT rather than ROLLBACK: psycopg
        # forgets its prepared statements on every ROLLBACK. Work done through SQLAlchemy
        # transactions is still committed or rolled back by its own block; only the reads
        # of the driver cursor end with this COMMIT.
        options = {"pool_size": 5, "max_overflow": 5, "pool_reset_on_return": "commit"}
    engine = create_engine(url, pool_use_lifo=True, json_serializer=dumps_json, **options)
    event.listen(engine, "checkout", _ping_if_idle)
    event.listen(engine, "checkin", _note_checkin)
    return engine


def dumps_json(value: Any) -> str:
    """How jsonb values are written: UTF-8 text, dates (and anything else) as strings."""
    return json.dumps(value, ensure_ascii=False, default=str)


def _server_spoke(dbapi_conn: Any) -> bool:
    """The idle connection's socket has something to read: a server that shut down or died
    closed it (end of file) or said why (FATAL). A zero-timeout poll, no round trip."""
    try:
        poller = select.poll()  # not select(): file descriptors above 1024 are fine
        poller.register(dbapi_conn.fileno(), select.POLLIN)
        return bool(poller.poll(0))
    except (OSError, ValueError, psycopg.Error):
        return True


def _ping_if_idle(dbapi_conn, record, _proxy) -> None:
    """Pessimistic disconnect handling without a round trip per request on a busy server:
    a connection is pinged when it was idle for a while or when its socket shows that the
    server closed it (a restart between two requests); a dead one is replaced."""
    if dbapi_conn.closed or dbapi_conn.broken:
        raise DisconnectionError()
    idle = time.monotonic() - record.info.get("checked_in", 0.0)
    if idle <= IDLE_PING_S and not _server_spoke(dbapi_conn):
        return
    try:
        dbapi_conn.execute("SELECT 1")
        dbapi_conn.commit()  # leave no transaction open (COMMIT: psycopg keeps its statements)
    except Exception as exc:  # noqa: BLE001 - any failure means "reconnect"
        raise DisconnectionError() from exc


def _note_checkin(_dbapi_conn, record) -> None:
    record.info["checked_in"] = time.monotonic()


@contextmanager
def driver_connection(conn: Connection) -> Iterator[Any]:
    """The psycopg connection under ``conn``, for statements run on the driver's cursor.

    Errors raised there never pass through SQLAlchemy, which therefore cannot see that the
    server went away: a driver error on a closed or broken connection invalidates ``conn``
    (the pool replaces it instead of handing the dead one out again) and becomes
    DatabaseUnavailable (a French 503)."""
    driver = conn.connection.driver_connection
    try:
        yield driver
    except psycopg.Error as exc:
        if driver.closed or driver.broken or conn.dialect.is_disconnect(exc, driver, None):
            conn.invalidate(exc)
            raise DatabaseUnavailable() from exc
        raise


def get_engine(settings: Settings | None = None, url: str | None = None) -> Engine:
    """Engine for an explicit URL, or the one the settings point to."""
    return _engine_for(url or database_url(settings or Settings.from_env()))


def get_search_engine(settings: Settings | None = None, url: str | None = None) -> Engine:
    """The engine of the prescribers' search reads: its own pool of autocommit connections
    whose prepared statements use generic plans at once (see _engine_for)."""
    return _engine_for(url or database_url(settings or Settings.from_env()), search=True)


def database_answers(engine: Engine) -> tuple[bool, str]:
    try:
        with engine.connect() as conn:
            version = conn.execute(sql_select(func.postgis_lib_version())).scalar_one()
        return True, f"PostGIS {version}"
    except Exception as exc:  # noqa: BLE001 - any failure means "not answering"
        return False, type(exc).__name__
