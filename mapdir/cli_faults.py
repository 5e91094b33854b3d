"""What the command line says when the database is the problem: one French line saying
what is wrong and what to do (cluster down, schema behind the code), never a traceback."""

from __future__ import annotations

import psycopg
import sqlalchemy.exc
from sqlalchemy.engine import make_url

from mapdir import migrate
from mapdir.config import Settings
from mapdir.db import DATABASE_DOWN, database_url
from mapdir.errors import DatabaseUnavailable, MapdirError

DATABASE_ERRORS = (sqlalchemy.exc.SQLAlchemyError, psycopg.Error, DatabaseUnavailable)


def _chain(exc: BaseException):
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def database_fault(settings: Settings, exc: BaseException) -> str | None:
    """The line for a command that failed on a database error, or None when the database
    answers with the code's schema (then the error is not about them: it is shown as is).

    The error alone does not tell (an OperationalError may be a deadlock on a live server;
    a missing column may be a bug): the database is asked again, and alembic's revision
    compared with the code's."""
    if not any(isinstance(e, DATABASE_ERRORS) for e in _chain(exc)):
        return None
    try:
        url = database_url(settings)
    except MapdirError:
        return None
    try:
        revision = migrate.current(url)
    except DATABASE_DOWN:
        return _down(settings, url)
    expected = migrate.head()
    if revision == expected:
        return None
    if revision is not None and not migrate.known(revision):
        return (
            f"Le schéma de la base (révision {revision}) est plus récent que le code"
            f" (révision {expected}) : mettez mapdir à jour."
        )
    return (
        f"Le schéma de la base est en retard sur le code (révision {revision or 'aucune'},"
        f" attendue {expected}) : lancez « mapdir db upgrade »."
    )


def _down(settings: Settings, url: str) -> str:
    if settings["DATABASE_URL"]:
        where = make_url(url)
        address = f"{where.host or where.query.get('host', 'localhost')}:{where.port or 5432}"
        return (
            f"La base de données ne répond pas sur {address} (DATABASE_URL) : vérifiez que"
            " le serveur PostgreSQL tourne et que DATABASE_URL le désigne."
        )
    return (
        f"La base de données ne répond pas sur le port {settings['MAPDIR_PG_PORT']}"
        f" (cluster intégré de {settings.var_dir / 'postgres'}) : lancez « mapdir db start »."
    )
