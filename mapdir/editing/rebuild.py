"""Recompute offers from the source records that describe them, with the human edits.

An offer's fields are always derived from its records (its own and those of offers merged
into it) by ``mapdir.offers.merge.build_offer``, then the person's overrides are applied
(``mapdir.editing.overrides``). The import (``etl.load``, ``etl.dedup``) and the
duplicates queue (``mapdir.editing.duplicates``) both call ``rebuild_offers`` after a
change of records or of merges; a whole batch is written per statement (``json_records``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Boolean, Float, case, func, or_, select, update
from sqlalchemy.engine import Connection

from mapdir.db.rows import any_of, json_records, typed, wgs84_point
from mapdir.db.tables import enregistrement_source, offre
from mapdir.editing.overrides import apply_overrides
from mapdir.offers.merge import build_offer
from mapdir.offers.models import LIST_FIELDS, SCALAR_FIELDS

#: the offer's columns that ``build_offer`` fills
OFFER_COLUMNS = [*SCALAR_FIELDS, *LIST_FIELDS, "geo_precision", "geo_score", "champs_source"]
#: what build_offer gives beyond the offer's columns: its point
PLACED = {"longitude": Float(53), "latitude": Float(53)}
#: statuses a rebuild keeps: closed by a person, merged, a plan's offer
_KEPT_STATUSES = ("fermee", "fusionnee", "projet")


def rebuild_offers(conn: Connection, offer_ids: Iterable[int]) -> set[int]:
    """Recompute the fields of the surviving offers behind ``offer_ids``; returns them."""
    ids = list(offer_ids)
    if not ids:
        return set()
    o, es = offre.c, enregistrement_source.c
    survivor = func.coalesce(o.fusionnee_dans, o.id)
    survivors = set(conn.execute(select(survivor).distinct().where(any_of(o.id, ids))).scalars())
    grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in conn.execute(
        select(survivor.label("survivor"), es.source, es.source_id, es.present, es.donnees)
        .join_from(enregistrement_source, offre, o.id == es.offre_id)
        .where(or_(any_of(o.id, survivors), any_of(o.fusionnee_dans, survivors)))
    ):
        grouped[row.survivor].append(
            {
                "source": row.source,
                "source_id": row.source_id,
                "present": row.present,
                "donnees": row.donnees,
            }
        )
    payload = [{"id": oid, **build_offer(recs)} for oid, recs in grouped.items()]
    apply_overrides(conn, payload)  # human edits win over the sources
    if payload:
        r = json_records(
            payload, "r", *typed(offre, "id", *OFFER_COLUMNS), present=Boolean(), **PLACED
        )
        statut = case(
            (o.statut.in_(_KEPT_STATUSES), o.statut),
            (r.c.present, "active"),
            else_="absente_source",
        )
        conn.execute(
            update(offre)
            .where(o.id == r.c.id)
            .values(
                {
                    **{name: r.c[name] for name in OFFER_COLUMNS},
                    "point": wgs84_point(r.c.longitude, r.c.latitude),
                    "statut": statut,
                    "updated_at": func.now(),
                }
            )
        )
    return survivors
