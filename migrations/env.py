"""Alembic environment: the URL comes from the caller (mapdir.migrate) or the settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from mapdir.config import Settings
from mapdir.db import database_url

config = context.config
url = config.attributes.get("url") or database_url(Settings.from_env())


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        context.configure(connection=connectable, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
