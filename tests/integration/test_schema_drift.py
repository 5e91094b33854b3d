"""The tables declared in mapdir.db.tables are the ones the migrations build, to the
index predicate and the check constraint (tests/schema_drift.py says what is compared).

When this fails after a new migration: declare the same change in mapdir/db/tables.
"""

from __future__ import annotations

from sqlalchemy import MetaData, String, text
from sqlalchemy.dialects.postgresql import ARRAY

from mapdir.db.tables import metadata
from tests.schema_drift import ADVICE, catalog_diff, metadata_diff


def test_the_declared_tables_are_the_migrated_ones(engine):
    with engine.connect() as conn:
        alembic_diff = metadata_diff(conn, metadata)
        catalog = catalog_diff(conn, metadata)
    report = [*(f"alembic: {d}" for d in alembic_diff), *(f"catalog: {c}" for c in catalog)]
    assert not report, "\n".join([ADVICE, *report])


def _copy() -> MetaData:
    copy = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.sorted_tables:
        table.to_metadata(copy)
    return copy


def test_a_deliberate_drift_is_reported(engine):
    """Each kind of difference fails the check: a column type and a foreign key's action
    (Alembic and the catalog), an index predicate and a check constraint (the catalog)."""
    drifted = _copy()
    offre, epci = drifted.tables["offre"], drifted.tables["epci"]
    epci.c.membres.type = ARRAY(String(6))
    pivot = next(ix for ix in offre.indexes if ix.name == "ix_offre_pivot")
    pivot.dialect_options["postgresql"]["where"] = text("pivot IS NULL")
    next(iter(drifted.tables["code_postal"].foreign_key_constraints)).ondelete = None
    check = next(c for c in offre.constraints if c.name == "offre_statut_check")
    check.sqltext = text("statut IN ('active', 'fermee')")
    with engine.connect() as conn:
        alembic_diff = metadata_diff(conn, drifted)
        catalog = "\n".join(catalog_diff(conn, drifted))
    kinds = {d[0] if isinstance(d, tuple) else d[0][0] for d in alembic_diff}
    assert kinds == {"modify_type", "remove_fk", "add_fk"}
    assert "index offre.ix_offre_pivot" in catalog and "(pivot IS NULL)" in catalog
    assert "constraint code_postal.code_postal_code_insee_fkey" in catalog
    assert "constraint offre.offre_statut_check" in catalog
