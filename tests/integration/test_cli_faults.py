"""The command line's database faults: one French line on stderr, a non-zero exit, no
traceback, for every command that touches the database (mapdir/cli.py, mapdir/cli_faults.py).

A cluster that is down is a port where nothing listens; a schema behind the code is a
throwaway database of the test cluster migrated only up to an older revision."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, pool, text

from mapdir import migrate
from mapdir.cli import main as cli

DOWN = "Erreur : La base de données ne répond pas sur "
BEHIND = "Erreur : Le schéma de la base est en retard sur le code"

COMMANDS = [
    ["etl", "status"],
    [
        "etl",
        "run",
        "mednum-v1",
        "--file",
        "{data}/offers/charente-lieux-2023-07.json",
        "--no-geocode",
    ],
    ["geo", "import", "--departement", "87", "--from", "{data}"],
    ["export", "mednum", "--departement", "87"],
    ["export", "data-inclusion", "--departement", "87"],
    ["planner", "coverage", "--departement", "87"],
    ["planner", "stops", "--departement", "87", "--k", "2"],
    ["users", "list"],
    ["users", "purge"],
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def embedded_down(tmp_path) -> dict[str, str]:
    """Settings of an embedded cluster that is initialised but not running."""
    (tmp_path / "postgres").mkdir()
    (tmp_path / "postgres" / "password").write_text("secret\n")
    return {
        "DATABASE_URL": "",
        "MAPDIR_VAR_DIR": str(tmp_path),
        "MAPDIR_PG_PORT": str(_free_port()),
    }


def _run(env: dict[str, str], args: list[str]):
    result = CliRunner().invoke(cli, args, env=env)
    # the command ended by the one line and its exit code, not by an uncaught exception
    assert isinstance(result.exception, SystemExit), result.exception
    return result


def _args(command: list[str], shared_data) -> list[str]:
    return [part.format(data=shared_data) for part in command]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_embedded_cluster_down_says_start_it(command, embedded_down, shared_data):
    result = _run(embedded_down, _args(command, shared_data))
    assert result.exit_code == 1
    port = embedded_down["MAPDIR_PG_PORT"]
    assert result.stderr.splitlines() == [
        f"{DOWN}le port {port} (cluster intégré de {embedded_down['MAPDIR_VAR_DIR']}/postgres)"
        " : lancez « mapdir db start »."
    ]


def test_external_database_down_names_its_address_not_its_password():
    port = _free_port()
    url = f"postgresql+psycopg://mapdir:hunter2@127.0.0.1:{port}/mapdir"
    result = _run({"DATABASE_URL": url}, ["etl", "status"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{DOWN}127.0.0.1:{port} (DATABASE_URL)")
    assert "hunter2" not in result.stderr


def test_the_real_command_prints_no_traceback(embedded_down):
    env = {**os.environ, **embedded_down}
    done = subprocess.run(
        [sys.executable, "-m", "mapdir.cli", "etl", "status"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith(DOWN)


@pytest.fixture()
def old_database(cluster, db_url):
    """A throwaway database of the test cluster whose schema stops at revision 0010."""
    name = f"mapdir_test_behind_{os.getpid()}"
    cluster.drop_database(name)
    cluster.ensure_database(name)
    url = cluster.url(name)
    migrate.upgrade(url, "0010")
    yield url
    cluster.drop_database(name)


def _set_revision(url: str, revision: str | None) -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
        if revision:
            conn.execute(text("INSERT INTO alembic_version VALUES (:r)"), {"r": revision})
    engine.dispose()


def test_schema_behind_the_code_says_upgrade(old_database):
    # 0011 adds the datasets that `etl status` lists: the command fails on a missing column
    result = _run({"DATABASE_URL": old_database}, ["etl", "status"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{BEHIND} (révision 0010, attendue {migrate.head()}) : lancez « mapdir db upgrade »."
    ]
    _set_revision(old_database, None)
    result = _run({"DATABASE_URL": old_database}, ["etl", "status"])
    assert "(révision aucune, attendue" in result.stderr


def test_schema_of_a_newer_code_says_update_mapdir(old_database):
    _set_revision(old_database, "9999")
    result = _run({"DATABASE_URL": old_database}, ["etl", "status"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Erreur : Le schéma de la base (révision 9999) est plus récent que le code (révision"
        f" {migrate.head()}) : mettez mapdir à jour."
    ]


def test_an_upgrade_brings_the_command_back(old_database):
    result = CliRunner().invoke(cli, ["db", "upgrade"], env={"DATABASE_URL": old_database})
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["etl", "status"], env={"DATABASE_URL": old_database})
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
