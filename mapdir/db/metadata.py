"""The one ``MetaData`` of every table, its naming convention, and the column helpers
the table modules share (mapdir.db.tables).

The tables are built by the Alembic migrations (migrations/versions); the metadata
describes the database they build, and tests/integration/test_schema_drift.py fails
when the two differ. A migration that changes the schema changes the metadata too.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import TIMESTAMP, Column, MetaData, func, text
from sqlalchemy.dialects.postgresql.base import ischema_names
from sqlalchemy.types import UserDefinedType

#: names PostgreSQL gives itself to inline PRIMARY KEY / REFERENCES (what the first
#: migrations relied on), the project's prefixes for indexes, uniques and checks
NAMING_CONVENTION = {
    "pk": "%(table_name)s_pkey",
    "fk": "%(table_name)s_%(column_0_name)s_fkey",
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

#: an empty array (``'{}'``) as a server default
EMPTY_ARRAY = text("'{}'")
#: an empty JSON object as a server default
EMPTY_OBJECT = text("'{}'")


class PgPoint(UserDefinedType):
    """PostgreSQL's native ``point`` (not PostGIS): a GiST opclass that returns its key,
    so that a KNN probe can be an index-only scan (offre.point_xy)."""

    cache_ok = True

    def get_col_spec(self, **_kw: Any) -> str:
        return "point"


# reflection (the drift test) recognises the native point type
ischema_names.setdefault("point", PgPoint)


def timestamp(name: str, *, default_now: bool = True) -> Column:
    """A ``timestamptz`` column: ``NOT NULL DEFAULT now()``, or nullable without default."""
    if default_now:
        return Column(name, TIMESTAMP(timezone=True), nullable=False, server_default=func.now())
    return Column(name, TIMESTAMP(timezone=True))


def one_of(column: str, values: tuple[str, ...]) -> str:
    """The SQL of a CHECK that ``column`` holds one of ``values``."""
    quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"{column} IN ({quoted})"
