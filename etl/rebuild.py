"""Write offers from their source records: create new ones, rebuild changed ones.

An offer's fields are always derived from the records that describe it (its own and those
of offers merged into it) by ``mapdir.offers.merge.build_offer``; this module writes them,
a whole batch per statement (``json_records``: the rows travel as one JSON parameter).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    Text,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy import update as sql_update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection

from mapdir.db.rows import any_of, json_records, typed, wgs84_point
from mapdir.db.tables import enregistrement_source, offre, permanence
from mapdir.editing.overrides import apply_overrides
from mapdir.offers.merge import build_offer
from mapdir.offers.models import LIST_FIELDS, SCALAR_FIELDS

_COLUMNS = [*SCALAR_FIELDS, *LIST_FIELDS, "geo_precision", "geo_score", "champs_source"]
#: what build_offer gives beyond the offer's columns: its point, and whether a source lists it
_PLACED = {"longitude": Float(53), "latitude": Float(53)}
#: statuses a rebuild keeps: closed by a person, merged, a plan's offer
_KEPT_STATUSES = ("fermee", "fusionnee", "projet")
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
    apply_overrides(conn, payload)  # human edits win over the sources (mapdir.editing)
    if payload:
        r = json_records(payload, "r", *typed(offre, "id", *_COLUMNS), present=Boolean(), **_PLACED)
        statut = case(
            (o.statut.in_(_KEPT_STATUSES), o.statut),
            (r.c.present, "active"),
            else_="absente_source",
        )
        conn.execute(
            sql_update(offre)
            .where(o.id == r.c.id)
            .values(
                {
                    **{name: r.c[name] for name in _COLUMNS},
                    "point": wgs84_point(r.c.longitude, r.c.latitude),
                    "statut": statut,
                    "updated_at": func.now(),
                }
            )
        )
    return survivors
