"""Database access: engines (mapdir.db.engines), where the database is
(mapdir.db.location), and the tables declared once (mapdir.db.tables)."""

from mapdir.db.engines import (
    DATABASE_DOWN,
    SEARCH_SETTINGS,
    database_answers,
    driver_connection,
    get_engine,
    get_search_engine,
)
from mapdir.db.location import database_url

__all__ = [
    "DATABASE_DOWN",
    "SEARCH_SETTINGS",
    "database_answers",
    "database_url",
    "driver_connection",
    "get_engine",
    "get_search_engine",
]
