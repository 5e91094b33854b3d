"""What an editor should do first, in their scope: the back-office home page's sections.

In priority order: public reports to moderate, fields in conflict with the sources,
positions to check (coordinates of a source contradicting the commune), offers absent from
their source, offers never confirmed by a person (oldest information first).
Each section has its full count and its first rows; every statement is restricted to the
user's scope (``permissions.in_scope``) on the server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from mapdir.db.tables import offre, signalement, surcharge
from mapdir.editing import positions
from mapdir.editing.accounts import User
from mapdir.editing.permissions import in_scope

ROWS = 8  # rows shown per section; the count and the "voir tout" link give the rest


@dataclass
class Section:
    key: str
    title: str
    count: int
    rows: list[Any] = field(default_factory=list)


def _count_and_rows(conn: Connection, query, order, limit: int) -> tuple[int, list[Any]]:
    count = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = conn.execute(query.order_by(*order).limit(limit)).all() if count else []
    return count, rows


def _reports(conn: Connection, user: User, limit: int) -> Section:
    s, o = signalement.c, offre.c
    query = (
        select(s.id, s.offre_id, s.categorie, s.created_at, o.nom, o.commune_nom)
        .join_from(signalement, offre, o.id == s.offre_id)
        .where(s.statut == "nouveau", in_scope(user))
    )
    count, rows = _count_and_rows(conn, query, (s.created_at, s.id), limit)
    return Section("signalements", "Signalements à modérer", count, rows)


def _conflicts(conn: Connection, user: User, limit: int) -> Section:
    s, o = surcharge.c, offre.c
    query = (
        select(s.offre_id, s.champ, s.updated_at, o.nom, o.commune_nom)
        .join_from(surcharge, offre, o.id == s.offre_id)
        .where(s.actif, s.en_conflit, in_scope(user))
    )
    count, rows = _count_and_rows(conn, query, (s.updated_at, s.offre_id, s.champ), limit)
    return Section("conflits", "Conflits avec les sources", count, rows)


def _positions(conn: Connection, user: User, limit: int) -> Section:
    count, rows = _count_and_rows(conn, positions.to_check(user), positions.ORDER, limit)
    return Section("positions", "Positions à vérifier", count, rows)


def _offers(conn: Connection, user: User, limit: int, *where) -> tuple[int, list[Any]]:
    o = offre.c
    query = select(o.id, o.nom, o.commune_nom, o.date_maj, o.updated_at).where(
        in_scope(user), *where
    )
    return _count_and_rows(conn, query, (o.date_maj.asc().nulls_first(), o.id), limit)


def dashboard(conn: Connection, user: User, limit: int = ROWS) -> list[Section]:
    """The sections of ``user``'s home page, in the order to deal with them."""
    absent = _offers(conn, user, limit, offre.c.statut == "absente_source")
    never = _offers(conn, user, limit, offre.c.statut == "active", offre.c.confirmed_at.is_(None))
    return [
        _reports(conn, user, limit),
        _conflicts(conn, user, limit),
        _positions(conn, user, limit),
        Section("absentes", "Offres absentes de leur source", *absent),
        Section(
            "jamais_confirmees", "Offres jamais confirmées (les plus anciennes d'abord)", *never
        ),
    ]
