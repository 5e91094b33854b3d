"""Where the database is: ``DATABASE_URL``, or the embedded cluster's socket and port.

The database-access layer resolves its own URL from the settings. The embedded cluster's
layout (folder, socket, password file) is declared here; its lifecycle (initdb, pg_ctl,
databases and extensions) is the tool above, mapdir.pgcluster (docs/decisions: the
database location in the db layer).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from mapdir.config import Settings
from mapdir.errors import SetupError

ROLE = "mapdir"
SOCKET_PATH_MAX = 107  # bytes of a Unix socket's path on Linux (sun_path, without its NUL)


@dataclass
class ClusterLayout:
    """The embedded cluster's files under ``MAPDIR_VAR_DIR/postgres`` and its address."""

    settings: Settings

    @property
    def root(self) -> Path:
        return self.settings.var_dir / "postgres"

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    @property
    def sockdir(self) -> Path:
        return self.root / "run"

    @property
    def logfile(self) -> Path:
        return self.root / "postgres.log"

    @property
    def password_file(self) -> Path:
        return self.root / "password"

    @property
    def port(self) -> int:
        return int(self.settings["MAPDIR_PG_PORT"])

    @property
    def dbname(self) -> str:
        return self.settings["MAPDIR_PG_DATABASE"]

    def password(self) -> str:
        return self.password_file.read_text().strip()

    @property
    def host(self) -> str:
        """Where clients connect: the socket directory, or 127.0.0.1 when the socket's
        path would be too long (a project in a deep folder)."""
        socket = self.sockdir / f".s.PGSQL.{self.port}"
        return str(self.sockdir) if len(os.fsencode(socket)) <= SOCKET_PATH_MAX else "127.0.0.1"

    def url(self, dbname: str | None = None) -> str:
        name = dbname or self.dbname
        if self.host == "127.0.0.1":
            return f"postgresql+psycopg://{ROLE}:{self.password()}@127.0.0.1:{self.port}/{name}"
        host = quote(self.host, safe="/")
        return f"postgresql+psycopg://{ROLE}:{self.password()}@/{name}?host={host}&port={self.port}"


def database_url(settings: Settings, dbname: str | None = None) -> str:
    """The URL the application uses: DATABASE_URL, or the embedded cluster's."""
    external = settings["DATABASE_URL"]
    if external:
        if external.startswith("postgresql://") or external.startswith("postgres://"):
            external = "postgresql+psycopg://" + external.split("://", 1)[1]
        return external
    layout = ClusterLayout(settings)
    if not layout.password_file.exists():
        raise SetupError("Base intégrée non initialisée : lancez « mapdir db start ».")
    return layout.url(dbname)
