"""The embedded cluster's lifecycle, in a private folder and port of its own."""

from __future__ import annotations

import shutil
import socket
import tempfile
from pathlib import Path

import psycopg
import pytest

from mapdir.config import PROJECT_ROOT, Settings
from mapdir.db import database_url
from mapdir.errors import SetupError
from mapdir.pgcluster import Cluster


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def cluster_dir():
    """A folder the server's unprivileged user can reach (pytest's tmp is root-only)."""
    base = PROJECT_ROOT / "var" / "test-clusters"
    base.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(dir=base))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture()
def private_cluster(cluster_dir):
    tmp_path = cluster_dir
    settings = Settings.from_env(
        {
            "DATABASE_URL": "",
            "MAPDIR_VAR_DIR": str(tmp_path / "var"),
            "MAPDIR_PG_PORT": str(_free_port()),
            "MAPDIR_PG_DATABASE": "lifecycle",
        }
    )
    cluster = Cluster(settings)
    yield cluster
    if cluster.is_initialised():
        cluster.stop()


def test_start_twice_status_stop(private_cluster: Cluster):
    assert private_cluster.status()["initialise"] is False
    with pytest.raises(SetupError, match="mapdir db start"):
        database_url(private_cluster.settings)

    assert private_cluster.start() == "créé et démarré"
    assert private_cluster.start() == "déjà démarré"  # harmless
    assert private_cluster.status()["demarre"] is True

    url = database_url(private_cluster.settings).replace("+psycopg", "")
    with psycopg.connect(url) as conn:
        version = conn.execute("SELECT postgis_lib_version()").fetchone()[0]
        assert int(version.split(".")[0]) >= 3
        assert conn.execute("SELECT current_database()").fetchone()[0] == "lifecycle"
        # through the cluster's Unix socket (no server address), not TCP
        assert conn.execute("SELECT inet_server_addr()").fetchone()[0] is None

    assert private_cluster.stop() == "arrêté"
    assert private_cluster.status()["demarre"] is False
    assert private_cluster.stop() == "déjà arrêté"
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=2)

    assert private_cluster.start() == "démarré"  # restarts on existing data
    assert private_cluster.password_file.stat().st_mode & 0o077 == 0


def test_external_database_url_wins():
    settings = Settings.from_env({"DATABASE_URL": "postgresql://u:p@db.example:5432/x"})
    assert database_url(settings) == "postgresql+psycopg://u:p@db.example:5432/x"


def test_port_taken_gives_clear_error(cluster_dir):
    tmp_path = cluster_dir
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        settings = Settings.from_env(
            {"DATABASE_URL": "", "MAPDIR_VAR_DIR": str(tmp_path / "v"), "MAPDIR_PG_PORT": str(port)}
        )
        cluster = Cluster(settings)
        with pytest.raises(SetupError, match="n'a pas démarré"):
            cluster.start()


def test_open_ancestor_adds_only_the_traverse_bit(cluster_dir):
    from mapdir.pgcluster import open_ancestor

    closed = cluster_dir / "closed"
    closed.mkdir(mode=0o700)
    assert open_ancestor(closed) is True
    assert closed.stat().st_mode & 0o777 == 0o701  # traverse, not list
    assert open_ancestor(closed) is False


def test_url_falls_back_to_tcp_when_the_socket_path_is_too_long(tmp_path):
    def cluster_in(folder):
        settings = Settings.from_env(
            {"DATABASE_URL": "", "MAPDIR_VAR_DIR": str(folder), "MAPDIR_PG_PORT": "54321"}
        )
        cluster = Cluster(settings)
        cluster.root.mkdir(parents=True)
        cluster.password_file.write_text("secret\n")
        return cluster

    short = cluster_in(tmp_path / "var")
    assert short.host == str(short.sockdir)
    assert short.url("x") == (
        f"postgresql+psycopg://mapdir:secret@/x?host={short.sockdir}&port=54321"
    )
    deep = cluster_in(tmp_path / ("d" * 60) / ("e" * 40) / "var")
    assert len(str(deep.sockdir / ".s.PGSQL.54321")) > 107
    assert deep.host == "127.0.0.1"
    assert deep.url("x") == "postgresql+psycopg://mapdir:secret@127.0.0.1:54321/x"
