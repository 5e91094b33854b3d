"""Engines: one SQLAlchemy engine per database URL, and a health check."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from mapdir.config import Settings
from mapdir.pgcluster import database_url


@lru_cache(maxsize=8)
def _engine_for(url: str) -> Engine:
    # A connection goes back to the pool with COMMIT rather than ROLLBACK: psycopg forgets
    # its prepared statements on every ROLLBACK, and the search's statements (prepared,
    # with generic plans: mapdir.offers.search_sql) would be planned again on each request
    # (≈ 3 ms). Work done through SQLAlchemy transactions is still committed or rolled
    # back by its own block; only the reads of the driver cursor end with this COMMIT.
    return create_engine(
        url, pool_pre_ping=True, pool_size=5, max_overflow=5, pool_reset_on_return="commit"
    )


def get_engine(settings: Settings | None = None, url: str | None = None) -> Engine:
    """Engine for an explicit URL, or the one the settings point to."""
    if url is None:
        url = database_url(settings or Settings.from_env())
    return _engine_for(url)


def database_answers(engine: Engine) -> tuple[bool, str]:
    try:
        with engine.connect() as conn:
            version = conn.execute(text("SELECT postgis_lib_version()")).scalar_one()
        return True, f"PostGIS {version}"
    except Exception as exc:  # noqa: BLE001 - any failure means "not answering"
        return False, type(exc).__name__
