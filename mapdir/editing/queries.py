"""Read queries of the back-office pages (the web layer never builds SQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from mapdir.editing.accounts import User
from mapdir.editing.permissions import scope_sql
from mapdir.errors import NotFound


def offer_row(conn: Connection, offer_id: int) -> Any:
    """Every column of one offer plus ``lon``/``lat``; NotFound when there is none."""
    row = conn.execute(
        text("SELECT o.*, ST_X(o.point) AS lon, ST_Y(o.point) AS lat FROM offre o WHERE o.id = :i"),
        {"i": offer_id},
    ).first()
    if row is None:
        raise NotFound("Offre introuvable.")
    return row


def offers_in_scope(conn: Connection, user: User, q: str, limit: int) -> list[Any]:
    """The user's offers (merged ones left out), filtered by name, commune or id."""
    where, params = scope_sql(user)
    if q:
        where += " AND (o.nom ILIKE :q OR o.commune_nom ILIKE :q OR o.id::text = :qid)"
        params |= {"q": f"%{q}%", "qid": q}
    return conn.execute(
        text(
            "SELECT o.id, o.nom, o.commune_nom, o.code_insee, o.statut, o.updated_at,"
            " (SELECT count(*) FROM surcharge s WHERE s.offre_id = o.id AND s.actif"
            "  AND s.en_conflit) AS conflits"
            f" FROM offre o WHERE {where} AND o.statut <> 'fusionnee'"
            " ORDER BY o.nom LIMIT :limit"
        ),
        {**params, "limit": limit},
    ).all()


def offer_permanences(conn: Connection, offer_id: int) -> list[Any]:
    return conn.execute(
        text(
            "SELECT id, lieu, commune_nom, adresse, horaires, statut, origine FROM permanence"
            " WHERE offre_id = :i ORDER BY statut, commune_nom, id"
        ),
        {"i": offer_id},
    ).all()


def last_closure_reason(conn: Connection, offer_id: int) -> str | None:
    return conn.execute(
        text(
            "SELECT motif FROM modification WHERE offre_id = :i AND action = 'fermeture'"
            " ORDER BY id DESC LIMIT 1"
        ),
        {"i": offer_id},
    ).scalar_one_or_none()


def offer_of_permanence(conn: Connection, permanence_id: int) -> int:
    return conn.execute(
        text("SELECT offre_id FROM permanence WHERE id = :i"), {"i": permanence_id}
    ).scalar_one()


def offer_of_change(conn: Connection, change_id: int) -> int:
    return conn.execute(
        text("SELECT offre_id FROM modification WHERE id = :i"), {"i": change_id}
    ).scalar_one()
