"""The connection pool: idle connections are pinged and replaced when the server dropped
them; busy ones are not pinged; connections go back with COMMIT, which keeps the prepared
statements of the driver (psycopg forgets them on ROLLBACK); the search engine reads in
autocommit with generic plans at once."""

from __future__ import annotations

from sqlalchemy import text

from mapdir.db import engines as db


def test_a_connection_killed_while_idle_is_replaced(engine, monkeypatch):
    first = engine.connect()
    pid = first.execute(text("SELECT pg_backend_pid()")).scalar_one()
    killer = engine.connect()  # a second pooled connection, the first being checked out
    first.close()  # back to the pool, idle
    killer.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
    killer.close()
    monkeypatch.setattr(db, "IDLE_PING_S", 0.0)
    for _ in range(2):  # whichever connection the pool hands out, the query succeeds
        with engine.connect() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid


def test_prepared_statements_survive_the_return_to_the_pool(engine):
    query = "SELECT %s::int AS kept_prepared"
    engine.dispose()  # one pooled connection from here on
    with engine.connect() as conn:  # driver-only reads, as the search does
        driver = conn.connection.driver_connection
        pid = driver.execute("SELECT pg_backend_pid()").fetchone()[0]
        driver.execute(query, (1,), prepare=True)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() == pid
        prepared = conn.execute(text("SELECT statement FROM pg_prepared_statements")).scalars()
        assert any("kept_prepared" in s for s in prepared), "deallocated on return to the pool"


def test_a_pinged_connection_is_handed_out_outside_a_transaction(engine, monkeypatch):
    """After the idle ping the connection is idle, so it can still switch to autocommit
    (VACUUM, CREATE DATABASE need it)."""
    monkeypatch.setattr(db, "IDLE_PING_S", 0.0)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1


def test_search_engine_reads_in_autocommit_with_generic_plans_at_once(db_url, engine):
    search_engine = db.get_search_engine(url=db_url)
    assert search_engine is not engine  # its own pool
    with search_engine.connect() as conn:
        assert conn.execute(text("SHOW plan_cache_mode")).scalar_one() == "force_generic_plan"
        driver = conn.connection.driver_connection
        assert driver.autocommit
        driver.execute("SELECT %s::text AS generic_at_once", ("87400",), prepare=True)
        plans = driver.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE '%%generic_at_once%%'"
        ).fetchone()
        assert plans == (1, 0)  # no custom plan, even for the first execution
    with engine.connect() as conn:  # the other connections keep PostgreSQL's default
        assert conn.execute(text("SHOW plan_cache_mode")).scalar_one() == "auto"
