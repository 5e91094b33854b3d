"""Engines: one SQLAlchemy engine per database URL, and a health check."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from mapdir.config import Settings
from mapdir.pgcluster import database_url


@lru_cache(maxsize=8)
def _engine_for(url: str) -> Engine:
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


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
