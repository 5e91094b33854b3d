"""Migrations run from an empty database, up and down."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, pool

from mapdir import migrate
from mapdir.pgcluster import Cluster

EXPECTED_TABLES = {"commune", "code_postal", "epci", "departement", "canton", "commune_code_ancien"}


@pytest.fixture()
def empty_db(cluster: Cluster, db_url):
    name = "mapdir_test_migrations"
    cluster.drop_database(name)
    cluster.ensure_database(name)
    yield cluster.url(name)
    cluster.drop_database(name)


def test_upgrade_from_empty_then_downgrade(empty_db: str):
    eng = create_engine(empty_db, poolclass=pool.NullPool)
    assert EXPECTED_TABLES.isdisjoint(inspect(eng).get_table_names())
    migrate.upgrade(empty_db)
    tables = set(inspect(eng).get_table_names())
    assert EXPECTED_TABLES <= tables
    indexes = {ix["name"] for ix in inspect(eng).get_indexes("commune")}
    assert {"ix_commune_point", "ix_commune_geom"} <= indexes
    head = migrate.current(empty_db)
    assert head is not None
    migrate.upgrade(empty_db)  # idempotent
    assert migrate.current(empty_db) == head
    migrate.downgrade(empty_db, "base")
    assert EXPECTED_TABLES.isdisjoint(inspect(eng).get_table_names())
    eng.dispose()
