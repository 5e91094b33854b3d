"""Permanences (itinerant stops) entered by people: add one, close or reopen it; never deleted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from mapdir.db.rows import wgs84_point
from mapdir.db.tables import permanence
from mapdir.editing import history
from mapdir.editing.accounts import User
from mapdir.editing.permissions import commune_in_scope, require_offer
from mapdir.errors import Forbidden, InvalidParameter, NotFound
from mapdir.geo.services import commune_ref
from mapdir.hours.osm import validate_osm


def _permanence(conn: Connection, permanence_id: int) -> Any:
    p = permanence.c
    row = conn.execute(
        select(
            p.id, p.offre_id, p.commune_nom, p.lieu, p.adresse, p.horaires, p.statut, p.code_insee
        )
        .where(p.id == permanence_id)
        .with_for_update()
    ).first()
    if row is None:
        raise NotFound("Permanence introuvable.")
    return row


def add_permanence(conn: Connection, user: User, offer_id: int, data: dict[str, Any]) -> int:
    """A new stop entered by a person (``origine = 'saisie'``); returns its id."""
    require_offer(conn, user, offer_id)
    commune = commune_ref(conn, data.get("code_insee"))
    if commune is None:
        raise InvalidParameter("Code INSEE de la permanence inconnu.", parametre="code_insee")
    if not commune_in_scope(conn, user, commune.code):
        raise Forbidden("La commune de cette permanence est hors de votre territoire.")
    if data.get("horaires"):
        if not validate_osm(data["horaires"]):
            raise InvalidParameter("Horaires de la permanence illisibles (syntaxe OSM).")
    perm_id = conn.execute(
        insert(permanence)
        .values(
            offre_id=offer_id,
            code_insee=commune.code,
            commune_nom=commune.nom,
            lieu=data.get("lieu"),
            adresse=data.get("adresse"),
            point=wgs84_point(commune.lon, commune.lat),
            horaires=data.get("horaires"),
            extraite=False,
            origine="saisie",
            statut="active",
        )
        .returning(permanence.c.id)
    ).scalar_one()
    after = {
        "lieu": data.get("lieu"),
        "commune": commune.nom,
        "horaires": data.get("horaires"),
        "statut": "active",
    }
    history.record_change(
        conn,
        offer_id,
        user,
        "permanence",
        {f"permanence:{perm_id}": {"avant": None, "apres": after}},
    )
    return perm_id


def set_permanence_status(
    conn: Connection,
    user: User,
    permanence_id: int,
    statut: str,
    *,
    action: str = "permanence",
    annule_id: int | None = None,
) -> int | None:
    """Close (``fermee``) or reopen (``active``) a stop; never deleted."""
    row = _permanence(conn, permanence_id)
    require_offer(conn, user, row.offre_id)
    if statut not in ("fermee", "active"):
        raise InvalidParameter("Statut de permanence inconnu.")
    if row.statut == statut:
        return None
    conn.execute(
        update(permanence)
        .where(permanence.c.id == permanence_id)
        .values(statut=statut, updated_at=func.now())
    )
    return history.record_change(
        conn,
        row.offre_id,
        user,
        action,
        {
            f"permanence:{permanence_id}": {
                "avant": {"statut": row.statut},
                "apres": {"statut": statut},
            }
        },
        annule_id=annule_id,
    )
