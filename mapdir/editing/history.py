"""The history of changes: who, when, which fields, old and new values; reading it back.

Every change made from the web is one ``modification`` row whose ``champs`` maps each
changed field to ``{"avant": old, "apres": new}``. Nothing is ever deleted: a revert is a
new change (action ``annulation``) and the reverted row points to it (``annulee_par``).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from mapdir.db.tables import modification
from mapdir.editing.accounts import User

_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d")
ACTION_LABELS = {
    "creation": "Création",
    "edition": "Modification",
    "fermeture": "Fermeture",
    "reouverture": "Réouverture",
    "permanence": "Permanence",
    "annulation": "Annulation",
    "conflit": "Conflit résolu",
    "confirmation": "Confirmée à jour",
}


def record_change(
    conn: Connection,
    offer_id: int,
    user: User | None,
    action: str,
    champs: dict[str, dict[str, Any]],
    *,
    motif: str | None = None,
    annule_id: int | None = None,
) -> int:
    """Store one change; returns its id."""
    return conn.execute(
        insert(modification)
        .values(
            offre_id=offer_id,
            utilisateur_id=user.id if user else None,
            auteur=user.email if user else "système",
            action=action,
            champs=champs,
            motif=motif,
            annule_id=annule_id,
        )
        .returning(modification.c.id)
    ).scalar_one()


def history_of(conn: Connection, offer_id: int) -> list[Any]:
    """The offer's changes, newest first."""
    m = modification.c
    return conn.execute(
        select(
            m.id,
            m.offre_id,
            m.auteur,
            m.action,
            m.champs,
            m.motif,
            m.annule_id,
            m.annulee_par,
            m.created_at,
        )
        .where(m.offre_id == offer_id)
        .order_by(m.created_at.desc(), m.id.desc())
    ).all()


def get_change(conn: Connection, change_id: int) -> Any:
    m = modification.c
    return conn.execute(
        select(m.id, m.offre_id, m.action, m.champs, m.annulee_par)
        .where(m.id == change_id)
        .with_for_update()
    ).first()


def mark_reverted(conn: Connection, change_id: int, by_change_id: int) -> None:
    conn.execute(
        update(modification).where(modification.c.id == change_id).values(annulee_par=by_change_id)
    )


def show_value(value: Any) -> str:
    """A value as plain text for the history page (the template escapes it)."""
    if value is None or value == [] or value == "":
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, str) and _TIMESTAMP.match(value):  # a confirmation date
        return datetime.fromisoformat(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        if set(value) == {"lon", "lat"}:
            return f"{value['lat']:.6f}, {value['lon']:.6f}"
        return " ; ".join(f"{k} : {show_value(v)}" for k, v in value.items())
    return str(value)
