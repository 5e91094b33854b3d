"""Who may edit what: admin everything, animateur their territory, structure its own offers.

An animator's territory is a département or an EPCI; an offer belongs to it through its
commune (``offre.code_insee`` → ``commune.departement`` / ``commune.epci``). Every check runs
on the server, for every request (pages and JSON alike).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from mapdir.editing.accounts import User
from mapdir.errors import Forbidden, NotFound

FORBIDDEN_OFFER = "Vous n'avez pas le droit de modifier cette offre."
FORBIDDEN_PLAN = (
    "Publier, confirmer ou retirer un plan est réservé aux administrateurs et aux "
    "animateurs du département : connectez-vous avec un tel compte."
)


def commune_in_scope(conn: Connection, user: User, code_insee: str | None) -> bool:
    """Whether ``user`` may place an offer in this commune."""
    if user.role == "admin":
        return True
    if user.role != "animateur" or not code_insee:
        return False
    row = conn.execute(
        text("SELECT departement, epci FROM commune WHERE code = :c"), {"c": code_insee}
    ).first()
    if row is None:
        return False
    return bool(
        (user.departement and row.departement == user.departement)
        or (user.epci and row.epci == user.epci)
    )


def can_edit_offer(conn: Connection, user: User | None, offer_id: int) -> bool:
    if user is None or not user.actif:
        return False
    if user.role == "admin":
        return True
    if user.role == "structure":
        return user.offre_id is not None and offer_id == user.offre_id
    code = conn.execute(
        text("SELECT code_insee FROM offre WHERE id = :i"), {"i": offer_id}
    ).scalar_one_or_none()
    return commune_in_scope(conn, user, code)


def require_offer(conn: Connection, user: User | None, offer_id: int) -> None:
    """Raise NotFound (no such offer) or Forbidden (not the user's) — else return."""
    if not conn.execute(text("SELECT 1 FROM offre WHERE id = :i"), {"i": offer_id}).first():
        raise NotFound("Offre introuvable.")
    if not can_edit_offer(conn, user, offer_id):
        raise Forbidden(FORBIDDEN_OFFER)


def can_create(user: User | None) -> bool:
    return user is not None and user.actif and user.role in ("admin", "animateur")


def scope_sql(user: User, alias: str = "o") -> tuple[str, dict[str, Any]]:
    """A WHERE fragment restricting offers (table alias ``alias``) to the user's scope."""
    if user.role == "admin":
        return "true", {}
    if user.role == "structure":
        return f"{alias}.id = :scope_offre", {"scope_offre": user.offre_id or -1}
    return (
        f"{alias}.code_insee IN (SELECT code FROM commune WHERE departement = :scope_dep"
        " OR epci = :scope_epci)",
        {"scope_dep": user.departement or "", "scope_epci": user.epci or ""},
    )


def can_plan(user: User | None, departement: str) -> bool:
    """Planners: admins everywhere, animators of the whole département."""
    if user is None or not user.actif:
        return False
    return user.role == "admin" or (user.role == "animateur" and user.departement == departement)


def require_planner(user: User | None, departement: str) -> None:
    if not can_plan(user, departement):
        raise Forbidden(FORBIDDEN_PLAN)
