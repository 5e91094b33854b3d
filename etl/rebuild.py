"""Write offers from their source records: create new ones (changed ones are rebuilt by
``mapdir.editing.rebuild.rebuild_offers``, shared with the duplicates queue).

An offer's fields are always derived from the records that describe it (its own and those
of offers merged into it) by ``mapdir.offers.merge.build_offer``; this module writes them,
a whole batch per statement (``json_records``: the rows travel as one JSON parameter).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Text,
    case,
    delete,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection

from mapdir.db.rows import json_records, typed, wgs84_point
from mapdir.db.tables import enregistrement_source, offre, permanence
from mapdir.editing.rebuild import OFFER_COLUMNS as _COLUMNS
from mapdir.editing.rebuild import PLACED as _PLACED
from mapdir.editing.rebuild import rebuild_offers as rebuild_offers  # re-exported
from mapdir.offers.merge import build_offer

_PERMANENCE_COLUMNS = ("code_insee", "commune_nom", "lieu", "adresse", "horaires")
_PERMANENCE_COLUMNS += ("texte_original", "extraite")


def _new_ids(conn: Connection, sequence: str, n: int) -> list[int]:
    """``n`` values of ``sequence`` (ids known before the rows are written)."""
    return list(
        conn.execute(select(func.nextval(sequence)).select_from(func.generate_series(1, n)))
        .scalars()
        .all()
    )


def create_offers(
    conn: Connection, slug: str, records: list[Any], run_id: int, dataset: str
) -> list[int]:
    """One new offer per new record; returns the offer ids (in the records' order)."""
    ids = _new_ids(conn, "offre_id_seq", len(records))
    payload = []
    for offer_id, rec in zip(ids, records, strict=True):
        fields = build_offer(
            [{"source": slug, "source_id": rec.source_id, "present": True, "donnees": rec.donnees}]
        )
        payload.append({"id": offer_id, **fields})
    r = json_records(payload, "r", *typed(offre, "id", *_COLUMNS), **_PLACED)
    conn.execute(
        insert(offre).from_select(
            ["id", *_COLUMNS, "point", "statut"],
            select(
                *(r.c[name] for name in ["id", *_COLUMNS]),
                wgs84_point(r.c.longitude, r.c.latitude),
                literal("active"),
            ),
        )
    )
    rec_ids = _new_ids(conn, "enregistrement_source_id_seq", len(records))
    rows = [
        {"id": rid, "source_id": rec.source_id, "offre_id": oid, "brut": rec.brut,
         "donnees": rec.donnees, "empreinte": rec.empreinte}
        for rid, oid, rec in zip(rec_ids, ids, records, strict=True)
    ]  # fmt: skip
    names = ["id", "source_id", "offre_id", "brut", "donnees", "empreinte"]
    e = json_records(rows, "e", *typed(enregistrement_source, *names))
    conn.execute(
        insert(enregistrement_source).from_select(
            [*names, "source", "premier_run_id", "dernier_run_id", "jeux_de_donnees"],
            select(
                *(e.c[name] for name in names),
                literal(slug),
                literal(run_id),
                literal(run_id),
                literal([dataset], ARRAY(Text)),
            ),
        )
    )
    _insert_permanences(
        conn,
        [
            (rid, oid, p)
            for rid, oid, rec in zip(rec_ids, ids, records, strict=True)
            for p in rec.donnees.get("permanences") or []
        ],
    )
    return ids


def _insert_permanences(conn: Connection, rows: list[tuple[int, int, dict[str, Any]]]) -> None:
    if not rows:
        return
    payload = [{**p, "rid": rid, "offre_id": oid} for rid, oid, p in rows]
    e = json_records(
        payload,
        "e",
        *typed(permanence, "offre_id", *_PERMANENCE_COLUMNS),
        rid=BigInteger(),
        **_PLACED,
    )
    origine = case((e.c.extraite, "extraction"), else_="source")
    conn.execute(
        insert(permanence).from_select(
            ["offre_id", "enregistrement_id", *_PERMANENCE_COLUMNS, "point", "origine"],
            select(
                e.c.offre_id,
                e.c.rid,
                *(e.c[name] for name in _PERMANENCE_COLUMNS),
                wgs84_point(e.c.longitude, e.c.latitude),
                origine,
            ),
        )
    )


def replace_permanences(conn: Connection, record_id: int, offer_id: int, rec: Any) -> None:
    """Permanences derived from a record follow it; those entered by people stay."""
    p = permanence.c
    conn.execute(
        delete(permanence).where(
            p.enregistrement_id == record_id, p.origine.in_(("source", "extraction"))
        )
    )
    _insert_permanences(
        conn, [(record_id, offer_id, p) for p in rec.donnees.get("permanences") or []]
    )
