"""Run the Alembic migrations programmatically (CLI, tests, demo)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from mapdir.config import PROJECT_ROOT


def alembic_config(url: str) -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.attributes["url"] = url
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def head() -> str:
    """The revision the code expects (the newest migration)."""
    return _scripts().get_current_head()


def known(revision: str) -> bool:
    """The revision is one of this code's migrations (else the database is ahead of it)."""
    return revision in {script.revision for script in _scripts().walk_revisions()}


def _scripts():
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(""))


def current(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine, pool

    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
