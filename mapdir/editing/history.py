"""The history of changes: who, when, which fields, old and new values; reading it back.

Every change made from the web is one ``modification`` row whose ``champs`` maps each
changed field to ``{"avant": old, "apres": new}``. Nothing is ever deleted: a revert is a
new change (action ``annulation``) and the reverted row points to it (``annulee_par``).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from mapdir.editing.accounts import User

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
        text(
            "INSERT INTO modification (offre_id, utilisateur_id, auteur, action, champs, motif,"
            " annule_id) VALUES (:o, :u, :a, :act, CAST(:c AS jsonb), :m, :an) RETURNING id"
        ),
        {
            "o": offer_id,
            "u": user.id if user else None,
            "a": user.email if user else "système",
            "act": action,
            "c": json.dumps(champs, ensure_ascii=False, default=str),
            "m": motif,
            "an": annule_id,
        },
    ).scalar_one()


def history_of(conn: Connection, offer_id: int) -> list[Any]:
    """The offer's changes, newest first."""
    return conn.execute(
        text(
            "SELECT id, offre_id, auteur, action, champs, motif, annule_id, annulee_par,"
            " created_at FROM modification WHERE offre_id = :o ORDER BY created_at DESC, id DESC"
        ),
        {"o": offer_id},
    ).all()


def get_change(conn: Connection, change_id: int) -> Any:
    return conn.execute(
        text(
            "SELECT id, offre_id, action, champs, annulee_par FROM modification WHERE id = :i"
            " FOR UPDATE"
        ),
        {"i": change_id},
    ).first()


def mark_reverted(conn: Connection, change_id: int, by_change_id: int) -> None:
    conn.execute(
        text("UPDATE modification SET annulee_par = :n WHERE id = :i"),
        {"n": by_change_id, "i": change_id},
    )


def show_value(value: Any) -> str:
    """A value as plain text for the history page (the template escapes it)."""
    if value is None or value == [] or value == "":
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        if set(value) == {"lon", "lat"}:
            return f"{value['lat']:.6f}, {value['lon']:.6f}"
        return " ; ".join(f"{k} : {show_value(v)}" for k, v in value.items())
    return str(value)
