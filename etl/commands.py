"""``mapdir etl`` (run sources, status) and ``mapdir export`` (national schema CSV)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy import func, select

from etl.load import EtlError, run_source
from etl.sources import SOURCES, newest_file
from mapdir.config import Settings
from mapdir.db import get_engine
from mapdir.db.tables import enregistrement_source, import_run, offre
from mapdir.offers.commands import filters_option
from mapdir.offers.data_inclusion.queries import Scope
from mapdir.offers.filters import Filters
from mapdir.offers.left_out import left_out_line
from mapdir.planner.commands import refresh_and_report


def _offers_dir(from_dir: Path) -> Path:
    return from_dir / "offers" if (from_dir / "offers").is_dir() else from_dir


def _geocoder(settings: Settings, enabled: bool):
    if not enabled:
        return None
    from mapdir.geo.geocode_cache import PgGeocodeCache
    from mapdir.geo.geocoder import ban_geocoder

    return ban_geocoder(settings, PgGeocodeCache(get_engine(settings)), timeout=(5.0, 300.0))


@click.group()
def etl() -> None:
    """Import des sources d'offres (lieux de médiation numérique…)."""


@etl.command("run")
@click.argument("slug", required=False, type=click.Choice(sorted(SOURCES)))
@click.option("--all", "run_all", is_flag=True, help="Toutes les sources (fichier le plus récent).")
@click.option("--from", "from_dir", type=click.Path(path_type=Path), help="Dossier des fichiers.")
@click.option("--file", "file_path", type=click.Path(path_type=Path), help="Un fichier précis.")
@click.option(
    "--geocode/--no-geocode",
    default=True,
    show_default=True,
    help="Géocoder avec la BAN les adresses sans coordonnées (sinon : point de la commune).",
)
@click.option(
    "--jeu",
    "dataset",
    help="Jeu de données du fichier (par défaut : son nom sans date, ex. charente-lieux) ;"
    " seuls les lieux de ce jeu absents du fichier sont marqués disparus.",
)
@click.pass_obj
def run_cmd(
    settings: Settings,
    slug: str | None,
    run_all: bool,
    from_dir: Path | None,
    file_path: Path | None,
    geocode: bool,
    dataset: str | None,
) -> None:
    """Importe une source (SLUG) ou toutes (--all), puis affiche un résumé par source."""
    if run_all == bool(slug):
        raise click.UsageError("Indiquez une source (SLUG) ou --all.")
    if file_path and run_all:
        raise click.UsageError("--file s'utilise avec une seule source.")
    if dataset and run_all:
        raise click.UsageError("--jeu s'utilise avec une seule source.")
    if file_path is None:
        from_dir = from_dir or settings.data_dir
        if from_dir is None:
            raise click.UsageError("Indiquez --from DIR ou --file PATH (pas de dossier local).")
    engine = get_engine(settings)
    geocoder = _geocoder(settings, geocode)
    jobs: list[tuple[str, Path]] = []
    for s in sorted(SOURCES, key=list(SOURCES).index) if run_all else [slug]:
        path = file_path or newest_file(s, _offers_dir(from_dir))
        if path is None:
            click.echo(f"{s} : aucun fichier dans {from_dir}", err=True)
            continue
        jobs.append((s, path))
    failed = 0
    for s, path in jobs:
        try:
            summary = run_source(
                engine, s, path, geocoder=geocoder, progress=click.echo, dataset=dataset
            )
        except EtlError as exc:
            click.echo(f"Erreur : {exc.message}", err=True)
            failed += 1
            continue
        click.echo(summary.line())
    if len(jobs) > failed:  # offers changed: the accessibility published by OGC follows
        refresh_and_report(settings)
    if failed:
        sys.exit(1)


@etl.command("status")
@click.pass_obj
def status_cmd(settings: Settings) -> None:
    """Dernière exécution par source et jeu de données, lieux présents, offres par statut."""
    with get_engine(settings).connect() as conn:
        run, es = import_run.c, enregistrement_source.c
        rows = conn.execute(
            select(
                run.source,
                run.jeu_de_donnees,
                run.fichier,
                run.statut,
                run.started_at,
                run.comptes,
                run.message,
                select(func.count())
                .where(
                    es.source == run.source,
                    run.jeu_de_donnees == func.any(es.jeux_de_donnees),
                )
                .scalar_subquery()
                .label("presents"),
            )
            .distinct(run.source, run.jeu_de_donnees)  # the last run of each dataset
            .order_by(run.source, run.jeu_de_donnees, run.id.desc())
        ).all()
        for r in rows:
            c = r.comptes or {}
            click.echo(
                f"{r.source:24} jeu {r.jeu_de_donnees or '?':36} {r.started_at:%Y-%m-%d %H:%M}"
                f" {r.statut:6} {Path(r.fichier or '').name} — lus {c.get('lus', 0)}, insérés "
                f"{c.get('inseres', 0)}, mis à jour {c.get('mis_a_jour', 0)}, disparus "
                f"{c.get('disparus', 0)}, rejetés {c.get('rejetes', 0)} ; {r.presents} lieux"
                " présents dans ce jeu" + (f" — {r.message}" if r.message else "")
            )
        absent = conn.execute(
            select(es.source, func.count())
            .where(~es.present)
            .group_by(es.source)
            .order_by(es.source)
        ).all()
        if absent:
            click.echo("absents de leur source : " + ", ".join(f"{s} {n}" for s, n in absent))
        statut = offre.c.statut
        totals = conn.execute(select(statut, func.count()).group_by(statut).order_by(statut))
        click.echo("offres : " + ", ".join(f"{s} {n}" for s, n in totals))


@click.group()
def export() -> None:
    """Exports de l'annuaire."""


@export.command("mednum")
@click.option("--departement", help="Code du département (ex. 87).")
@filters_option
@click.pass_obj
def export_mednum(settings: Settings, departement: str | None, filters: Filters) -> None:
    """CSV au schéma national des lieux de médiation numérique (sur la sortie standard)."""
    from etl.export_mednum import write_csv
    from mapdir.geo.importer import normalize_departement

    dep = normalize_departement(departement) if departement else None
    with get_engine(settings).connect() as conn:
        summary = write_csv(conn, dep, sys.stdout, filters)
        left_out = left_out_line(Scope(dep, filters=filters).left_out(conn))
    # the CSV goes to stdout; what was left out, and why, to stderr (never silently)
    for offer_id, nom, reason in summary.skipped_offers:
        click.echo(f"offre {offer_id} « {nom} » non exportée : {reason}", err=True)
    click.echo(summary.line(), err=True)
    if left_out:
        click.echo(left_out, err=True)


def _register_exports() -> None:
    """Exports written in the domain (mapdir) join this group: the command line's home."""
    from mapdir.offers.commands import data_inclusion

    export.add_command(data_inclusion)


_register_exports()
