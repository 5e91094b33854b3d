"""The site recovers from a database restart while its process keeps running (issue 19,
finding 2): the embedded cluster is stopped and started again between two searches of the
same app; while it is down every page and the API answer a French 503 (JSON for the API),
/sante says so; once it is back the very next search succeeds (the pooled connections the
restart killed are never handed out again), through the search's driver-cursor path and
the planner's."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from mapdir.db import driver_connection, get_search_engine
from mapdir.db import engines as db
from mapdir.errors import DatabaseUnavailable
from tests.conftest import TEST_DB

SEARCH = "/api/v1/recherche?code_postal=87000&limite=3"
PAGES = ("/recherche?lieu=87000", "/planification/87", "/offres/1", "/")


def _used_by_others(cluster) -> bool:
    """Connections to databases that are not this session's (another pytest, a demo)."""
    import psycopg

    ours = f"%\\_{os.getpid()}"
    with psycopg.connect(cluster._admin_conninfo(), autocommit=True) as conn:
        others = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
            " AND pid <> pg_backend_pid() AND datname IS NOT NULL AND datname <> %s"
            " AND datname NOT LIKE %s",
            (TEST_DB, ours),
        ).fetchone()[0]
    return others > 0


@pytest.fixture()
def restartable(cluster, engine, monkeypatch):
    if os.environ.get("MAPDIR_TEST_DATABASE_URL"):
        pytest.skip("an external database is not ours to restart")
    if _used_by_others(cluster):
        pytest.skip("another test session uses the embedded cluster: a restart would break it")
    # a busy site: no pooled connection is ever idle long enough for the idle ping, however
    # long the restart takes here
    monkeypatch.setattr(db, "IDLE_PING_S", 1e9)
    with engine.begin() as conn:
        offer = conn.execute(
            text(
                "INSERT INTO offre (nom, code_insee, code_postal, point, statut)"
                " SELECT 'restart-test', code, '87000', point, 'active' FROM commune"
                " WHERE code = '87085' RETURNING id"
            )
        ).scalar_one()
    yield cluster
    cluster.start()  # whatever happened, the next tests get their database back
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM offre WHERE id = :i"), {"i": offer})


def _warm(client) -> None:
    """Several pooled connections in both engines, as a site under traffic has."""
    for _ in range(3):
        assert client.get(SEARCH).status_code == 200
        assert client.get("/api/v1/couverture?departement=87").status_code == 200
        assert client.get("/sante").status_code == 200


def test_the_search_right_after_a_restart_succeeds(app, restartable):
    client = app.test_client()
    _warm(client)
    restartable.stop()
    restartable.start()
    first = client.get(SEARCH)
    assert first.status_code == 200, first.get_data(as_text=True)
    assert first.get_json()["resultats"]
    for _ in range(3):  # every pooled connection of the search is alive again
        assert client.get(SEARCH).status_code == 200
    assert client.get("/api/v1/couverture?departement=87").status_code == 200  # planner
    for path in PAGES:
        assert client.get(path).status_code in (200, 404), path
    health = client.get("/sante")
    assert health.status_code == 200 and health.get_json()["recherche"] == "répond"


def test_while_the_database_is_down_pages_and_api_answer_503_in_french(app, restartable):
    client = app.test_client()
    _warm(client)
    restartable.stop()
    api = client.get(SEARCH)
    assert api.status_code == 503 and api.is_json
    assert "base de données" in api.get_json()["erreur"]
    assert api.headers["Retry-After"]
    planner = client.get("/api/v1/couverture?departement=87")
    assert planner.status_code == 503 and planner.is_json
    for path in PAGES[:3]:
        page = client.get(path)
        assert page.status_code == 503, path
        assert page.mimetype == "text/html" and "réessayez" in page.get_data(as_text=True)
    health = client.get("/sante")
    assert health.status_code == 503 and health.get_json()["statut"] == "degrade"
    restartable.start()
    assert client.get(SEARCH).status_code == 200


def test_a_connection_dying_under_a_driver_cursor_is_discarded(db_url, engine, restartable):
    """The server goes away after the checkout: the driver error becomes a 503 error and the
    connection is invalidated, so the pool never hands it out again."""
    search_engine = get_search_engine(url=db_url)
    conn = search_engine.connect()
    conn.connection.driver_connection.execute("SELECT 1")
    restartable.stop()
    restartable.start()
    with pytest.raises(DatabaseUnavailable):
        with driver_connection(conn) as driver:
            driver.execute("SELECT 1")
    assert conn.invalidated
    conn.close()
    with search_engine.connect() as fresh:
        with driver_connection(fresh) as driver:
            assert driver.execute("SELECT 1").fetchone() == (1,)
