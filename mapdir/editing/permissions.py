"""Who may edit what: admin everything, animateur their territory, structure its own offers
(placed in its own département).

An animator's territory is a département or an EPCI; an offer belongs to it through its
commune (``offre.code_insee`` → ``commune.departement`` / ``commune.epci``). Every check runs
on the server, for every request (pages and JSON alike).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, FromClause, or_, select, true
from sqlalchemy.engine import Connection

from mapdir.db.rows import exists_row
from mapdir.db.tables import commune, offre
from mapdir.editing.accounts import User
from mapdir.errors import Forbidden, NotFound

FORBIDDEN_OFFER = "Vous n'avez pas le droit de modifier cette offre."
FORBIDDEN_PLAN = (
    "Publier, confirmer ou retirer un plan est réservé aux administrateurs et aux "
    "animateurs du département : connectez-vous avec un tel compte."
)


def commune_in_scope(conn: Connection, user: User, code_insee: str | None) -> bool:
    """Whether ``user`` may place an offer, its point or a permanence in this commune: an
    animator in their territory, a structure in the département of its own offer."""
    if user.role == "admin":
        return True
    if user.role not in ("animateur", "structure") or not code_insee:
        return False
    row = conn.execute(
        select(commune.c.departement, commune.c.epci).where(commune.c.code == code_insee)
    ).first()
    if row is None:
        return False
    if user.role == "structure":
        own = conn.execute(
            select(commune.c.departement)
            .join_from(offre, commune, commune.c.code == offre.c.code_insee)
            .where(offre.c.id == (user.offre_id or -1))
        ).scalar_one_or_none()
        return own is not None and row.departement == own
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
        select(offre.c.code_insee).where(offre.c.id == offer_id)
    ).scalar_one_or_none()
    return commune_in_scope(conn, user, code)


def require_offer(conn: Connection, user: User | None, offer_id: int) -> None:
    """Raise NotFound (no such offer) or Forbidden (not the user's) — else return."""
    if not exists_row(conn, offre.c.id == offer_id):
        raise NotFound("Offre introuvable.")
    if not can_edit_offer(conn, user, offer_id):
        raise Forbidden(FORBIDDEN_OFFER)


def can_create(user: User | None) -> bool:
    return user is not None and user.actif and user.role in ("admin", "animateur")


def in_scope(user: User, offers: FromClause = offre) -> ColumnElement[bool]:
    """The condition restricting offers (table ``offre``, or an alias of it: the two sides
    of a duplicate pair) to the user's scope."""
    if user.role == "admin":
        return true()
    if user.role == "structure":
        return offers.c.id == (user.offre_id or -1)
    territory = select(commune.c.code).where(
        or_(commune.c.departement == (user.departement or ""), commune.c.epci == (user.epci or ""))
    )
    return offers.c.code_insee.in_(territory)


def can_plan(user: User | None, departement: str) -> bool:
    """Planners: admins everywhere, animators of the whole département."""
    if user is None or not user.actif:
        return False
    return user.role == "admin" or (user.role == "animateur" and user.departement == departement)


def require_planner(user: User | None, departement: str) -> None:
    if not can_plan(user, departement):
        raise Forbidden(FORBIDDEN_PLAN)
