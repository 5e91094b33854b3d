"""Positions to check: records whose coordinates contradict their commune (the import kept
the place at the commune's point and stored ``donnees.conflit_localisation``: message,
longitude, latitude, distance_km) until a person settles them.

Settled, like a conflict with the sources, by a change of the history that touches the
point after the record last changed: an edit that moves the pin, or « Garder la position
actuelle » (action ``conflit``, the point before = after). An undone change no longer
settles; a record changed again by an import asks again."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, func, literal_column, or_, select
from sqlalchemy.engine import Connection

from mapdir.db.rows import lon_lat
from mapdir.db.tables import enregistrement_source, modification, offre
from mapdir.editing import history, overrides
from mapdir.editing.accounts import User
from mapdir.editing.permissions import in_scope, require_offer
from mapdir.errors import NotFound

KEPT = "Position vérifiée : position actuelle conservée."

_es, _o, _m = enregistrement_source.c, offre.c, modification.c
_CONFLICT = _es.donnees["conflit_localisation"]


def _unsettled(offer_id) -> Any:
    """No change of the point of ``offer_id`` since the record last changed."""
    return ~exists().where(
        _m.offre_id == offer_id,
        _m.champs.has_key("point"),
        _m.created_at >= _es.modifie_le,
        _m.action != "annulation",
        _m.annulee_par.is_(None),
    )


def location_conflicts(conn: Connection, offer_id: int) -> list[Any]:
    """The unsettled conflicts of the offer's records (and of offers merged into it)."""
    return conn.execute(
        select(
            _es.source,
            _es.source_id,
            _CONFLICT["message"].astext.label("message"),
            _CONFLICT["latitude"].astext.label("latitude"),
            _CONFLICT["longitude"].astext.label("longitude"),
        )
        .join_from(enregistrement_source, offre, _o.id == _es.offre_id)
        .where(
            or_(_o.id == offer_id, _o.fusionnee_dans == offer_id),
            _es.donnees.has_key("conflit_localisation"),
            _unsettled(offer_id),
        )
        .order_by(_es.id)
    ).all()


def to_check(user: User):
    """Active offers of the user's scope with an unsettled conflict: id, nom, commune_nom,
    the first message (``message``) and since when (``depuis``)."""
    record_offer = offre.alias("fiche")
    return (
        select(
            _o.id,
            _o.nom,
            _o.commune_nom,
            func.min(_CONFLICT["message"].astext).label("message"),
            func.min(_es.modifie_le).label("depuis"),
        )
        .select_from(enregistrement_source)
        .join(record_offer, record_offer.c.id == _es.offre_id)
        .join(offre, _o.id == func.coalesce(record_offer.c.fusionnee_dans, record_offer.c.id))
        .where(
            _es.donnees.has_key("conflit_localisation"),
            _o.statut == "active",
            in_scope(user),
            _unsettled(_o.id),
        )
        .group_by(_o.id)
    )


#: the oldest conflicts first
ORDER = (literal_column("depuis"), _o.id)


def list_to_check(conn: Connection, user: User, limit: int) -> list[Any]:
    return conn.execute(to_check(user).order_by(*ORDER).limit(limit)).all()


def keep_position(conn: Connection, user: User, offer_id: int) -> int:
    """The person checked the position and keeps it: a change of the history (the point,
    before = after) that settles the offer's conflicts; returns its id."""
    require_offer(conn, user, offer_id)
    if not location_conflicts(conn, offer_id):
        raise NotFound("Aucune position à vérifier pour cette offre.")
    row = conn.execute(select(*lon_lat(_o.point)).where(_o.id == offer_id)).one()
    point = overrides.point_value(row.lon, row.lat)
    return history.record_change(
        conn, offer_id, user, "conflit", {"point": {"avant": point, "apres": point}}, motif=KEPT
    )
