"""Read queries of the back-office pages (the web layer never builds SQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.engine import Connection

from mapdir.db.rows import lon_lat
from mapdir.db.tables import modification, offre, permanence, surcharge
from mapdir.editing.accounts import User
from mapdir.editing.permissions import in_scope
from mapdir.errors import NotFound


def offer_row(conn: Connection, offer_id: int) -> Any:
    """Every column of one offer plus ``lon``/``lat``; NotFound when there is none."""
    row = conn.execute(select(offre, *lon_lat(offre.c.point)).where(offre.c.id == offer_id)).first()
    if row is None:
        raise NotFound("Offre introuvable.")
    return row


def offers_in_scope(conn: Connection, user: User, q: str, limit: int) -> list[Any]:
    """The user's offers (merged ones left out), filtered by name, commune or id."""
    o, s = offre.c, surcharge.c
    conflicts = (
        select(func.count())
        .where(s.offre_id == o.id, s.actif, s.en_conflit)
        .scalar_subquery()
        .label("conflits")
    )
    query = select(o.id, o.nom, o.commune_nom, o.code_insee, o.statut, o.updated_at, conflicts)
    query = query.where(in_scope(user), o.statut != "fusionnee")
    if q:
        query = query.where(
            or_(o.nom.ilike(f"%{q}%"), o.commune_nom.ilike(f"%{q}%"), cast(o.id, String) == q)
        )
    return conn.execute(query.order_by(o.nom).limit(limit)).all()


def offer_permanences(conn: Connection, offer_id: int) -> list[Any]:
    p = permanence.c
    return conn.execute(
        select(p.id, p.lieu, p.commune_nom, p.adresse, p.horaires, p.statut, p.origine)
        .where(p.offre_id == offer_id)
        .order_by(p.statut, p.commune_nom, p.id)
    ).all()


def last_closure_reason(conn: Connection, offer_id: int) -> str | None:
    m = modification.c
    return conn.execute(
        select(m.motif)
        .where(m.offre_id == offer_id, m.action == "fermeture")
        .order_by(m.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def offer_of_permanence(conn: Connection, permanence_id: int) -> int:
    return conn.execute(
        select(permanence.c.offre_id).where(permanence.c.id == permanence_id)
    ).scalar_one()


def offer_of_change(conn: Connection, change_id: int) -> int:
    return conn.execute(
        select(modification.c.offre_id).where(modification.c.id == change_id)
    ).scalar_one()
