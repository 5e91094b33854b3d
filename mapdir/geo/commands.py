"""``mapdir geo``: import the reference geography."""

from __future__ import annotations

from pathlib import Path

import click

from mapdir.config import Settings
from mapdir.db import get_engine
from mapdir.geo.files import geo_files
from mapdir.geo.france_import import import_france
from mapdir.geo.importer import import_departement
from mapdir.geo.indicators import import_indicators


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
@click.option(
    "--indicateurs",
    type=click.Path(path_type=Path),
    help="Fichier d'indicateurs de besoin par commune (CODE_INSEE, TX_65ETPLUS, TX_NSCOL15P…), "
    "ex. ../shared/data/indicateurs/fragilite-communes-rp2017.csv.",
)
@click.option("--millesime", help="Millésime des indicateurs (défaut : « RP AAAA » du nom).")
@click.option("--origine", help="Origine des indicateurs (citée dans les réponses).")
@click.pass_obj
def import_cmd(
    settings: Settings,
    france: bool,
    departements: tuple[str, ...],
    from_dir: Path | None,
    download: bool,
    indicateurs: Path | None,
    millesime: str | None,
    origine: str | None,
) -> None:
    """Importe la géographie (idempotent) et affiche les comptes."""
    if not france and not departements and indicateurs is None:
        raise click.UsageError("Indiquez --france, --departement NN et/ou --indicateurs FICHIER.")
    if indicateurs is not None and not france and not departements:
        engine = get_engine(settings)
        report = import_indicators(engine, indicateurs, millesime, origine, click.echo)
        click.echo(f"Indicateurs — {report.summary()}")
        return
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
    if indicateurs is not None:
        report = import_indicators(engine, indicateurs, millesime, origine, click.echo)
        click.echo(f"Indicateurs — {report.summary()}")
