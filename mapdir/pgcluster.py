"""Embedded PostgreSQL + PostGIS cluster living in a git-ignored folder.

Used when ``DATABASE_URL`` is empty (docs/decisions/0001-embedded-postgresql-cluster.md).
The cluster listens on a private port, on its own Unix socket directory, which the
application connects through (less client CPU than TCP:
docs/decisions/0002-unix-socket-for-the-embedded-cluster.md), and on 127.0.0.1 (the fallback
when the socket's path is too long for the system), with password (SCRAM) authentication for
the ``mapdir`` role whose random password is kept in ``var/postgres/password``. When run as
root, the cluster runs as the unprivileged ``postgres`` user (PostgreSQL refuses to run as
root).
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import stat
import subprocess
from pathlib import Path

import psycopg
from psycopg.conninfo import make_conninfo

from mapdir.db.location import ROLE, ClusterLayout
from mapdir.errors import SetupError

EXTENSIONS = ("postgis", "unaccent", "pg_trgm", "intarray")
INSTALL_HINT = (
    "PostgreSQL/PostGIS introuvable : installez-les (Debian/Ubuntu : "
    "apt-get install postgresql postgresql-15-postgis-3) ou définissez DATABASE_URL."
)


def find_bindir() -> Path:
    """Newest PostgreSQL server bin directory holding initdb and pg_ctl."""
    configured = os.environ.get("MAPDIR_PG_BINDIR")
    candidates = [configured] if configured else []
    candidates += sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
        reverse=True,
    )
    which = shutil.which("pg_ctl")
    if which:
        candidates.append(str(Path(which).resolve().parent))
    for cand in candidates:
        if cand and (Path(cand) / "initdb").exists() and (Path(cand) / "pg_ctl").exists():
            return Path(cand)
    raise SetupError(INSTALL_HINT)


def postgis_available(bindir: Path) -> bool:
    try:
        sharedir = subprocess.run(
            [str(bindir / "pg_config"), "--sharedir"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        version = bindir.parent.name
        sharedir = f"/usr/share/postgresql/{version}"
    return (Path(sharedir) / "extension" / "postgis.control").exists()


def open_ancestor(path: Path) -> bool:
    """Add the "others may traverse" bit to a folder; True when it was missing."""
    mode = path.stat().st_mode
    if mode & stat.S_IXOTH:
        return False
    path.chmod(mode | stat.S_IXOTH)
    return True


class Cluster(ClusterLayout):
    """The embedded cluster's lifecycle: create, start, stop, databases."""

    # -- helpers ---------------------------------------------------------------
    def _run_as_owner(self) -> str | None:
        """Unprivileged user to run the server as, when we are root."""
        if os.geteuid() != 0:
            return None
        for name in ("postgres", "nobody"):
            try:
                pwd.getpwnam(name)
                return name
            except KeyError:
                continue
        raise SetupError("Aucun utilisateur non privilégié (postgres) pour lancer PostgreSQL.")

    def _cmd(self, args: list[str]) -> list[str]:
        owner = self._run_as_owner()
        if owner:
            return ["runuser", "-u", owner, "--", *args]
        return args

    def _open_path_for_owner(self) -> None:
        """As root, the unprivileged server user must be able to reach the data folder:
        give "others" the right to traverse (not to list) every ancestor lacking it."""
        if self._run_as_owner() is None:
            return
        for ancestor in reversed(self.root.resolve().parents):
            open_ancestor(ancestor)

    def _chown(self, path: Path) -> None:
        owner = self._run_as_owner()
        if owner:
            pw = pwd.getpwnam(owner)
            for dirpath, _dirs, files in os.walk(path):
                os.chown(dirpath, pw.pw_uid, pw.pw_gid)
                for f in files:
                    os.chown(os.path.join(dirpath, f), pw.pw_uid, pw.pw_gid)

    def is_initialised(self) -> bool:
        return (self.datadir / "PG_VERSION").exists()

    def is_running(self) -> bool:
        if not self.is_initialised():
            return False
        bindir = find_bindir()
        res = subprocess.run(
            self._cmd([str(bindir / "pg_ctl"), "status", "-D", str(self.datadir)]),
            capture_output=True,
            text=True,
        )
        return res.returncode == 0

    # -- lifecycle -------------------------------------------------------------
    def init(self) -> bool:
        """Create the cluster if needed. Returns True when it was created now."""
        bindir = find_bindir()
        if not postgis_available(bindir):
            raise SetupError(INSTALL_HINT)
        if self.is_initialised():
            return False
        self.root.mkdir(parents=True, exist_ok=True)
        self.sockdir.mkdir(parents=True, exist_ok=True)
        if not self.password_file.exists():
            self.password_file.write_text(secrets.token_urlsafe(24) + "\n")
        self.password_file.chmod(0o600)
        self._open_path_for_owner()
        pwfile = self.root / "initdb.pw"
        pwfile.write_text(self.password() + "\n")
        self._chown(self.root)
        try:
            res = subprocess.run(
                self._cmd(
                    [
                        str(bindir / "initdb"),
                        "-D",
                        str(self.datadir),
                        "-U",
                        ROLE,
                        f"--pwfile={pwfile}",
                        "--auth=scram-sha-256",
                        "-E",
                        "UTF8",
                        "--locale=C.UTF-8",
                    ]
                ),
                capture_output=True,
                text=True,
            )
        finally:
            pwfile.unlink(missing_ok=True)
        if res.returncode != 0:
            raise SetupError(f"initdb a échoué : {res.stderr.strip().splitlines()[-1:]}")
        with open(self.datadir / "postgresql.conf", "a") as conf:
            conf.write(
                "\n# mapdir embedded cluster\n"
                "listen_addresses = '127.0.0.1'\n"
                f"port = {self.port}\n"
                f"unix_socket_directories = '{self.sockdir}'\n"
                "shared_buffers = 256MB\n"
                "work_mem = 32MB\n"
                "maintenance_work_mem = 256MB\n"
                "max_connections = 60\n"
                "synchronous_commit = off\n"
            )
        return True

    def start(self) -> str:
        """Start the server (harmless when already running) and ensure the database."""
        created = self.init()
        if self.is_running():
            self.ensure_database(self.dbname)
            return "déjà démarré"
        bindir = find_bindir()
        self.sockdir.mkdir(parents=True, exist_ok=True)
        self._chown(self.sockdir)
        res = subprocess.run(
            self._cmd(
                [
                    str(bindir / "pg_ctl"),
                    "start",
                    "-w",
                    "-t",
                    "60",
                    "-D",
                    str(self.datadir),
                    "-l",
                    str(self.logfile),
                    "-o",
                    f"-p {self.port} -k {self.sockdir}",
                ]
            ),
            capture_output=True,
            text=True,
        )
        if res.returncode != 0:
            tail = (
                self.logfile.read_text().strip().splitlines()[-3:] if self.logfile.exists() else []
            )
            raise SetupError(
                f"PostgreSQL n'a pas démarré (port {self.port} déjà pris ?) : {' | '.join(tail)}"
            )
        self.ensure_database(self.dbname)
        return "créé et démarré" if created else "démarré"

    def stop(self) -> str:
        if not self.is_running():
            return "déjà arrêté"
        bindir = find_bindir()
        subprocess.run(
            self._cmd(
                [str(bindir / "pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(self.datadir)]
            ),
            capture_output=True,
            text=True,
            check=True,
        )
        return "arrêté"

    def status(self) -> dict[str, object]:
        return {
            "datadir": str(self.datadir),
            "port": self.port,
            "initialise": self.is_initialised(),
            "demarre": self.is_running(),
        }

    # -- databases -------------------------------------------------------------
    def _admin_conninfo(self, dbname: str = "postgres") -> str:
        return make_conninfo(
            host=self.host, port=self.port, user=ROLE, password=self.password(), dbname=dbname
        )

    def ensure_database(self, dbname: str) -> None:
        with psycopg.connect(self._admin_conninfo(), autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{dbname}"')
        with psycopg.connect(self._admin_conninfo(dbname), autocommit=True) as conn:
            for ext in EXTENSIONS:
                conn.execute(f"CREATE EXTENSION IF NOT EXISTS {ext}")

    def drop_database(self, dbname: str) -> None:
        with psycopg.connect(self._admin_conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
