"""Shared fixtures: a real PostGIS test database (embedded cluster or MAPDIR_TEST_DATABASE_URL).

The session database is created from empty, migrated, and loaded with the national
communes plus the polygons of 87 and 93 from the offline mirror (../shared/data).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from mapdir import create_app, migrate
from mapdir.config import PROJECT_ROOT, Settings
from mapdir.db import get_engine
from mapdir.geo.files import LocalGeoFiles
from mapdir.geo.france_import import import_france
from mapdir.geo.importer import import_departement
from mapdir.pgcluster import Cluster

SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
# one database per test session, so that parallel runs never share one
TEST_DB = os.environ.get("MAPDIR_TEST_DB", f"mapdir_test_{os.getpid()}")


def _quiet(_msg: str) -> None:
    pass


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"offline mirror missing: {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def cluster() -> Cluster:
    return Cluster(Settings.from_env({"DATABASE_URL": ""}))


def _other_sessions(cluster: Cluster) -> bool:
    """Another test session (or anything else) still uses the cluster: leave it running."""
    import psycopg

    with psycopg.connect(cluster._admin_conninfo(), autocommit=True) as conn:
        others = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname IS NOT NULL"
            " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        ).fetchone()[0]
    return others > 0


@pytest.fixture(scope="session")
def db_url(cluster: Cluster) -> str:
    external = os.environ.get("MAPDIR_TEST_DATABASE_URL")
    if external:
        return external
    was_running = cluster.is_running()
    cluster.start()
    cluster.drop_database(TEST_DB)
    cluster.ensure_database(TEST_DB)
    yield cluster.url(TEST_DB)
    from mapdir.db.engines import _engine_for

    _engine_for.cache_clear()
    cluster.drop_database(TEST_DB)
    if not was_running and not _other_sessions(cluster) and os.environ.get("MAPDIR_KEEP_DB") != "1":
        cluster.stop()


@pytest.fixture(scope="session")
def engine(db_url: str, shared_data: Path):
    migrate.upgrade(db_url)
    eng = get_engine(url=db_url)
    files = LocalGeoFiles(shared_data)
    import_france(eng, files, progress=_quiet)
    for dep in ("87", "93"):
        import_departement(eng, files, dep, progress=_quiet)
    return eng


@pytest.fixture(scope="session")
def settings(db_url: str) -> Settings:
    return Settings.from_env({"DATABASE_URL": db_url, "MAPDIR_SECURE_COOKIES": "0"})


@pytest.fixture(scope="session")
def app(engine, settings: Settings):
    application = create_app(settings)
    application.config["TESTING"] = True
    return application


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def conn(engine):
    """A connection inside a transaction rolled back after the test."""
    with engine.connect() as connection:
        trans = connection.begin()
        yield connection
        trans.rollback()


@pytest.fixture(scope="session")
def make_database(cluster: Cluster, db_url: str, shared_data: Path):
    """Factory of extra databases for a module: ``make_database(name, deps)`` creates,
    migrates and fills one with the national communes and the polygons of ``deps``, and
    returns its engine; every database made is dropped at the end of the session."""
    made: list[tuple[str, object]] = []

    def _make(name: str, departements: tuple[str, ...] = ("87",)):
        full = f"mapdir_test_{name}_{os.getpid()}"
        cluster.drop_database(full)
        cluster.ensure_database(full)
        url = cluster.url(full)
        migrate.upgrade(url)
        eng = get_engine(url=url)
        files = LocalGeoFiles(shared_data)
        import_france(eng, files, progress=_quiet)
        for dep in departements:
            import_departement(eng, files, dep, progress=_quiet)
        made.append((full, eng))
        return eng

    yield _make
    from mapdir.db.engines import _engine_for

    for full, eng in made:
        eng.dispose()
        cluster.drop_database(full)
    _engine_for.cache_clear()


@pytest.fixture(scope="session")
def real_directory(make_database, shared_data: Path):
    """A database holding the real directory: France + 87 polygons, every source's newest
    file (no network geocoding). Read-only for the tests that use it."""
    from etl.load import run_source
    from etl.sources import SOURCES, newest_file

    eng = make_database("directory", ("87",))
    for slug in SOURCES:
        run_source(eng, slug, newest_file(slug, shared_data / "offers"))
    return eng


@pytest.fixture(scope="session")
def real_with_indicators(real_directory, shared_data: Path):
    """The real directory with the need indicators of the offline mirror imported."""
    from mapdir.geo.indicators import import_indicators

    path = shared_data / "indicateurs" / "fragilite-communes-rp2017.csv"
    import_indicators(real_directory, path, progress=_quiet)
    return real_directory


@pytest.fixture(scope="session")
def indicators_client(real_with_indicators):
    """A test client of the app on the real directory with the need indicators."""
    return _client_of(real_with_indicators)


def _client_of(eng):
    url = eng.url.render_as_string(hide_password=False)
    application = create_app(Settings.from_env({"DATABASE_URL": url, "MAPDIR_SECURE_COOKIES": "0"}))
    application.config["TESTING"] = True
    return application.test_client()


@pytest.fixture(scope="session")
def real_client(real_directory):
    return _client_of(real_directory)


def count(connection, sql: str, **params) -> int:
    return connection.execute(text(sql), params).scalar_one()
