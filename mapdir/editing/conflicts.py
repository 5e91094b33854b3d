"""Conflicts between a person's edit and a later change of the sources: list and resolve."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, null, select, update
from sqlalchemy.engine import Connection

from mapdir.db.tables import offre, surcharge
from mapdir.editing import history
from mapdir.editing.accounts import User
from mapdir.editing.permissions import in_scope, require_offer
from mapdir.editing.services import edit_offer
from mapdir.errors import InvalidParameter, NotFound


def list_conflicts(conn: Connection, user: User) -> list[Any]:
    s = surcharge.c
    return conn.execute(
        select(
            s.offre_id,
            s.champ,
            s.valeur,
            s.valeur_source,
            s.source_actuelle,
            s.updated_at,
            offre.c.nom,
            offre.c.commune_nom,
        )
        .join_from(surcharge, offre, offre.c.id == s.offre_id)
        .where(s.actif, s.en_conflit, in_scope(user))
        .order_by(s.updated_at.desc(), s.offre_id, s.champ)
    ).all()


def resolve_conflict(
    conn: Connection, user: User, offer_id: int, field: str, choice: str
) -> int | None:
    """``choice``: ``saisie`` keeps the person's value, ``source`` takes the sources' one."""
    require_offer(conn, user, offer_id)
    s = surcharge.c
    this_field = (s.offre_id == offer_id, s.champ == field)
    row = conn.execute(
        select(s.valeur, s.source_actuelle)
        .where(*this_field, s.actif, s.en_conflit)
        .with_for_update()
    ).first()
    if row is None:
        raise NotFound("Aucun conflit sur ce champ.")
    if choice == "saisie":
        conn.execute(
            update(surcharge)
            .where(*this_field)
            .values(
                valeur_source=s.source_actuelle,
                source_actuelle=null(),  # SQL NULL, not a JSON null
                en_conflit=False,
                updated_at=func.now(),
            )
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
