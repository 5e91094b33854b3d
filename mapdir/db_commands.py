"""``mapdir db``: embedded cluster lifecycle and schema migrations."""

from __future__ import annotations

import click

from mapdir import migrate
from mapdir.config import Settings
from mapdir.db import database_url
from mapdir.pgcluster import Cluster


@click.group()
def db() -> None:
    """Base de données : cluster PostgreSQL intégré et migrations."""


@db.command()
@click.pass_obj
def start(settings: Settings) -> None:
    """Démarre le cluster intégré (sans effet s'il tourne déjà) et crée la base."""
    if settings["DATABASE_URL"]:
        click.echo("DATABASE_URL est défini : base externe, rien à démarrer.")
        return
    state = Cluster(settings).start()
    click.echo(f"PostgreSQL intégré : {state} (port {settings['MAPDIR_PG_PORT']}).")


@db.command()
@click.pass_obj
def stop(settings: Settings) -> None:
    """Arrête le cluster intégré."""
    if settings["DATABASE_URL"]:
        click.echo("DATABASE_URL est défini : base externe, rien à arrêter.")
        return
    click.echo(f"PostgreSQL intégré : {Cluster(settings).stop()}.")


@db.command()
@click.pass_obj
def status(settings: Settings) -> None:
    """Affiche l'état du cluster intégré (ou de la base externe)."""
    if settings["DATABASE_URL"]:
        from mapdir.db import database_answers, get_engine

        ok, info = database_answers(get_engine(settings))
        click.echo(f"base externe : {'répond' if ok else 'ne répond pas'} ({info})")
        raise SystemExit(0 if ok else 1)
    st = Cluster(settings).status()
    state = "démarré" if st["demarre"] else ("arrêté" if st["initialise"] else "non initialisé")
    click.echo(f"PostgreSQL intégré : {state} — port {st['port']} — {st['datadir']}")
    raise SystemExit(0 if st["demarre"] else 1)


@db.command()
@click.pass_obj
def url(settings: Settings) -> None:
    """Affiche l'URL SQLAlchemy de la base utilisée."""
    click.echo(database_url(settings))


@db.command()
@click.option("--revision", default="head", show_default=True, help="Révision cible.")
@click.pass_obj
def upgrade(settings: Settings, revision: str) -> None:
    """Applique les migrations Alembic."""
    target = database_url(settings)
    migrate.upgrade(target, revision)
    click.echo(f"Schéma à jour (révision {migrate.current(target)}).")
