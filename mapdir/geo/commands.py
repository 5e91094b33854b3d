"""``mapdir geo``: import the reference geography."""

from __future__ import annotations

from pathlib import Path

import click

from mapdir.config import Settings
from mapdir.db import get_engine
from mapdir.geo.files import geo_files
from mapdir.geo.france_import import import_france
from mapdir.geo.importer import import_departement


@click.group()
def geo() -> None:
    """Géographie de référence : communes, EPCI, codes postaux, départements."""


@geo.command("import")
@click.option("--france", is_flag=True, help="Toutes les communes de France (points La Poste).")
@click.option(
    "--departement",
    "departements",
    multiple=True,
    help="Contours d'un département (répétable), ex. --departement 87.",
)
@click.option(
    "--from",
    "from_dir",
    type=click.Path(path_type=Path),
    help="Dossier des fichiers (ex. ../shared/data). Défaut : MAPDIR_DATA_DIR, "
    "../shared/data s'il existe, sinon téléchargement.",
)
@click.option("--download", is_flag=True, help="Télécharger même si un dossier local existe.")
@click.pass_obj
def import_cmd(
    settings: Settings,
    france: bool,
    departements: tuple[str, ...],
    from_dir: Path | None,
    download: bool,
) -> None:
    """Importe la géographie (idempotent) et affiche les comptes."""
    if not france and not departements:
        raise click.UsageError("Indiquez --france et/ou --departement NN.")
    if from_dir is None and not download:
        from_dir = settings.data_dir
    files = geo_files(None if download else from_dir, settings.cache_dir)
    engine = get_engine(settings)
    if france:
        report = import_france(engine, files, progress=click.echo)
        click.echo(f"France — {report.summary()}")
    for dep in departements:
        report = import_departement(engine, files, dep, progress=click.echo)
        click.echo(f"Département {dep} — {report.summary()}")
