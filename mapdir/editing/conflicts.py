"""Conflicts between a person's edit and a later change of the sources: list and resolve."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from mapdir.editing import history
from mapdir.editing.accounts import User
from mapdir.editing.permissions import require_offer, scope_sql
from mapdir.editing.services import edit_offer
from mapdir.errors import InvalidParameter, NotFound


def list_conflicts(conn: Connection, user: User) -> list[Any]:
    where, params = scope_sql(user)
    return conn.execute(
        text(
            "SELECT s.offre_id, s.champ, s.valeur, s.valeur_source, s.source_actuelle,"
            " s.updated_at, o.nom, o.commune_nom FROM surcharge s JOIN offre o"
            f" ON o.id = s.offre_id WHERE s.actif AND s.en_conflit AND {where}"
            " ORDER BY s.updated_at DESC, s.offre_id, s.champ"
        ),
        params,
    ).all()


def resolve_conflict(
    conn: Connection, user: User, offer_id: int, field: str, choice: str
) -> int | None:
    """``choice``: ``saisie`` keeps the person's value, ``source`` takes the sources' one."""
    require_offer(conn, user, offer_id)
    row = conn.execute(
        text(
            "SELECT valeur, source_actuelle FROM surcharge WHERE offre_id = :o AND champ = :c"
            " AND actif AND en_conflit FOR UPDATE"
        ),
        {"o": offer_id, "c": field},
    ).first()
    if row is None:
        raise NotFound("Aucun conflit sur ce champ.")
    if choice == "saisie":
        conn.execute(
            text(
                "UPDATE surcharge SET valeur_source = source_actuelle, source_actuelle = NULL,"
                " en_conflit = false, updated_at = now() WHERE offre_id = :o AND champ = :c"
            ),
            {"o": offer_id, "c": field},
        )
        return history.record_change(
            conn,
            offer_id,
            user,
            "conflit",
            {field: {"avant": row.valeur, "apres": row.valeur}},
            motif="Conflit résolu : valeur saisie conservée.",
        )
    if choice == "source":
        return edit_offer(
            conn,
            user,
            offer_id,
            {field: row.source_actuelle},
            regeocode=False,
            action="conflit",
            motif="Conflit résolu : valeur de la source retenue.",
        )
    raise InvalidParameter("Choix inconnu.")
