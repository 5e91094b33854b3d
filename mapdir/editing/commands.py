"""``mapdir users``: create, list, disable and reset the password of back-office accounts."""

from __future__ import annotations

import sys

import click

from mapdir.config import Settings
from mapdir.db import get_engine
from mapdir.editing import accounts
from mapdir.editing.models import ROLES


def _read_password(from_stdin: bool) -> tuple[str, bool]:
    """(password, generated?) — read from stdin, or a random one to print once."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    return accounts.random_password(), True


@click.group()
def users() -> None:
    """Comptes du back-office (admin, animateur, structure)."""


@users.command("create")
@click.option("--email", required=True, help="Adresse électronique (identifiant).")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--territoire", help="Département de l'animateur (ex. 87).")
@click.option("--epci", help="SIREN de l'EPCI de l'animateur.")
@click.option("--offre", "offre_id", type=int, help="Offre d'un compte structure.")
@click.option("--password-stdin", is_flag=True, help="Lire le mot de passe sur l'entrée standard.")
@click.pass_obj
def create_cmd(
    settings: Settings,
    email: str,
    role: str,
    territoire: str | None,
    epci: str | None,
    offre_id: int | None,
    password_stdin: bool,
) -> None:
    """Créer un compte ; affiche un mot de passe aléatoire (sauf --password-stdin)."""
    password, generated = _read_password(password_stdin)
    with get_engine(settings).begin() as conn:
        user = accounts.create_user(
            conn, email, role, password, departement=territoire, epci=epci, offre_id=offre_id
        )
    click.echo(f"Compte créé : {user.label}")
    if generated:
        click.echo(f"Mot de passe : {password}")


@users.command("list")
@click.pass_obj
def list_cmd(settings: Settings) -> None:
    """Lister les comptes."""
    with get_engine(settings).connect() as conn:
        for user in accounts.list_users(conn):
            state = "actif" if user.actif else "désactivé"
            click.echo(f"{user.id}\t{user.label}\t{state}")


@users.command("disable")
@click.option("--email", required=True)
@click.option("--enable", is_flag=True, help="Réactiver le compte au lieu de le désactiver.")
@click.pass_obj
def disable_cmd(settings: Settings, email: str, enable: bool) -> None:
    """Désactiver (ou réactiver) un compte : ses sessions prennent fin."""
    with get_engine(settings).begin() as conn:
        user = accounts.set_active(conn, email, enable)
    click.echo(f"Compte {'réactivé' if user.actif else 'désactivé'} : {user.email}")


@users.command("reset-password")
@click.option("--email", required=True)
@click.option("--password-stdin", is_flag=True, help="Lire le mot de passe sur l'entrée standard.")
@click.pass_obj
def reset_password_cmd(settings: Settings, email: str, password_stdin: bool) -> None:
    """Nouveau mot de passe (aléatoire, affiché une fois) ; les sessions prennent fin."""
    password, generated = _read_password(password_stdin)
    with get_engine(settings).begin() as conn:
        user = accounts.find_user(conn, email)
        accounts.set_password(conn, user.id, password)
    click.echo(f"Mot de passe changé : {user.email}")
    if generated:
        click.echo(f"Mot de passe : {password}")


@users.command("purge")
@click.pass_obj
def purge_cmd(settings: Settings) -> None:
    """Oublier les imports abandonnés (> 24 h) et les tentatives de connexion de plus de
    30 jours ; à lancer chaque jour (cron)."""
    from mapdir.editing import import_staging, throttle

    files = import_staging.purge(settings.var_dir)
    with get_engine(settings).begin() as conn:
        attempts = throttle.purge(conn)
    click.echo(
        f"Purge : {files} import(s) abandonné(s), {attempts} tentative(s) de connexion oubliée(s)."
    )
