"""Permanences (itinerant stops) entered by people: add one, close or reopen it; never deleted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from etl.hours import validate_osm
from mapdir.editing import history
from mapdir.editing.accounts import User
from mapdir.editing.permissions import require_offer
from mapdir.errors import InvalidParameter, NotFound
from mapdir.geo.services import commune_ref


def _permanence(conn: Connection, permanence_id: int) -> Any:
    row = conn.execute(
        text(
            "SELECT id, offre_id, commune_nom, lieu, adresse, horaires, statut, code_insee"
            " FROM permanence WHERE id = :i FOR UPDATE"
        ),
        {"i": permanence_id},
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
    if data.get("horaires"):
        if not validate_osm(data["horaires"]):
            raise InvalidParameter("Horaires de la permanence illisibles (syntaxe OSM).")
    perm_id = conn.execute(
        text(
            "INSERT INTO permanence (offre_id, code_insee, commune_nom, lieu, adresse, point,"
            " horaires, extraite, origine, statut) VALUES (:o, :c, :n, :l, :a,"
            " ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :h, false, 'saisie', 'active')"
            " RETURNING id"
        ),
        {
            "o": offer_id,
            "c": commune.code,
            "n": commune.nom,
            "l": data.get("lieu"),
            "a": data.get("adresse"),
            "lon": commune.lon,
            "lat": commune.lat,
            "h": data.get("horaires"),
        },
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
        text("UPDATE permanence SET statut = :s, updated_at = now() WHERE id = :i"),
        {"s": statut, "i": permanence_id},
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
