"""Compare the tables declared in mapdir.db.tables with a database built by the migrations.

Two checks, both run by tests/integration/test_schema_drift.py:

- ``metadata_diff``: Alembic's ``compare_metadata`` (tables, columns, types with their
  lengths and geometry kinds/SRIDs, nullability, server defaults, indexes and their
  columns or expressions and uniqueness, unique constraints, foreign keys);
- ``catalog_diff``: what Alembic does not compare. The metadata is created in a scratch
  schema inside a transaction that is rolled back, and PostgreSQL's own description of
  both schemas is compared line by line: column types, defaults and generation
  expressions, every constraint's definition (checks, foreign-key actions), every index's
  definition (method, operator classes, INCLUDE, storage options, predicate).
"""

from __future__ import annotations

import re
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection

#: tables of extensions (PostGIS) and of Alembic itself, never declared
NOT_DECLARED = {"spatial_ref_sys", "alembic_version"}
SCRATCH = "drift_check"
ADVICE = (
    "The tables declared in mapdir/db/tables differ from the database the migrations "
    "build. A migration that changes the schema changes mapdir/db/tables in the same "
    "commit (migrations/README.md)."
)

_CATALOG = """
SELECT 'column ' || c.relname || '.' || a.attname,
       format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
       || COALESCE(CASE a.attgenerated WHEN 's' THEN ' GENERATED ALWAYS AS ' ELSE ' DEFAULT ' END
                   || pg_get_expr(d.adbin, d.adrelid), '')
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE c.relnamespace = CAST(:schema AS regnamespace) AND c.relkind = 'r'
  AND a.attnum > 0 AND NOT a.attisdropped AND c.relname <> ALL(:skip)
UNION ALL
SELECT 'constraint ' || c.relname || '.' || k.conname, pg_get_constraintdef(k.oid)
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
WHERE c.relnamespace = CAST(:schema AS regnamespace) AND c.relname <> ALL(:skip)
UNION ALL
SELECT 'index ' || c.relname || '.' || i.relname, pg_get_indexdef(i.oid)
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
WHERE c.relnamespace = CAST(:schema AS regnamespace) AND c.relname <> ALL(:skip)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.oid)
"""


def _include_object(_obj: Any, name: str | None, type_: str, _reflected: bool, _to: Any) -> bool:
    return not (type_ == "table" and name in NOT_DECLARED)


def metadata_diff(conn: Connection, metadata: MetaData) -> list[Any]:
    """Alembic's differences between the database and the metadata (empty: none)."""
    context = MigrationContext.configure(
        conn,
        opts={
            "compare_type": True,
            "compare_server_default": True,
            "include_object": _include_object,
        },
    )
    return compare_metadata(context, metadata)


def _describe(conn: Connection, schema: str) -> dict[str, str]:
    conn.execute(text(f"SET LOCAL search_path TO {schema}, public"))
    rows = conn.execute(text(_CATALOG), {"schema": schema, "skip": sorted(NOT_DECLARED)})
    # pg_get_indexdef names the table's schema whatever the search path
    return {key: re.sub(rf"\bON (ONLY )?{schema}\.", r"ON \1", value) for key, value in rows}


def catalog_diff(conn: Connection, metadata: MetaData) -> list[str]:
    """The lines of PostgreSQL's description that differ between the migrated ``public``
    schema and the metadata created in a scratch schema (rolled back)."""
    with conn.begin_nested() if conn.in_transaction() else conn.begin() as trans:
        built = _describe(conn, "public")
        conn.execute(text(f"CREATE SCHEMA {SCRATCH}"))
        conn.execute(text(f"SET LOCAL search_path TO {SCRATCH}, public"))
        # checkfirst would see the public tables through the search path
        metadata.create_all(conn, checkfirst=False)
        declared = _describe(conn, SCRATCH)
        trans.rollback()
    lines = []
    for key in sorted(built.keys() | declared.keys()):
        if built.get(key) != declared.get(key):
            lines.append(
                f"{key}\n    migrations: {built.get(key, '(absent)')}"
                f"\n    declared:   {declared.get(key, '(absent)')}"
            )
    return lines
