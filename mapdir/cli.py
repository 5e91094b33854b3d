"""The ``mapdir`` command: one click group, each domain adds its own sub-group.

The import pipeline (``etl``, a client of mapdir that mapdir never imports) adds its groups
through the ``mapdir.commands`` entry points declared in pyproject.toml.
"""

from __future__ import annotations

import sys
from importlib.metadata import entry_points

import click

from mapdir.cli_faults import database_fault
from mapdir.config import Settings
from mapdir.errors import MapdirError


class FriendlyGroup(click.Group):
    """Turns project errors, a database that does not answer and a schema behind the code
    into one clear line and a non-zero exit: every sub-command, in this one place."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except Exception as exc:
            line = database_fault(ctx.obj or Settings.from_env(), exc)
            if line is not None:
                click.echo(f"Erreur : {line}", err=True)
                sys.exit(1)
            if isinstance(exc, MapdirError):
                click.echo(f"Erreur : {exc.message}", err=True)
                sys.exit(2)
            raise


@click.group(cls=FriendlyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """mapdir: annuaire géographique de l'inclusion numérique (PostGIS)."""
    ctx.obj = Settings.from_env()


def _register() -> None:
    from mapdir.db_commands import db
    from mapdir.geo.commands import geo

    main.add_command(db)
    main.add_command(geo)
    for plugin in entry_points(group="mapdir.commands"):
        main.add_command(plugin.load(), plugin.name)
    from mapdir.planner.commands import planner, refresh_after_import

    main.add_command(planner)
    # geography and indicators are inputs of the accessibility that ogc.communes publishes:
    # recomputed after each import (geo cannot import the planner, the CLI composes them)
    geo.result_callback()(refresh_after_import)
    from mapdir.editing.commands import users

    main.add_command(users)


_register()

if __name__ == "__main__":  # pragma: no cover
    main()
