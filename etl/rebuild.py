"""Write offers from their source records: create new ones, rebuild changed ones.

An offer's fields are always derived from the records that describe it (its own and those
of offers merged into it) by ``mapdir.offers.merge.build_offer``; this module does the SQL.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from mapdir.editing.overrides import apply_overrides
from mapdir.offers.merge import build_offer
from mapdir.offers.models import LIST_FIELDS, SCALAR_FIELDS

_COLUMNS = [*SCALAR_FIELDS, *LIST_FIELDS, "geo_precision", "geo_score", "champs_source"]
_POINT = (
    "CASE WHEN e.j->>'longitude' IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint("
    "(e.j->>'longitude')::float8, (e.j->>'latitude')::float8), 4326) END"
)
_STATUT = (
    "CASE WHEN o.statut IN ('fermee', 'fusionnee', 'projet') THEN o.statut"
    " WHEN (e.j->>'present')::boolean THEN 'active' ELSE 'absente_source' END"
)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def create_offers(conn: Connection, slug: str, records: list[Any], run_id: int) -> list[int]:
    """One new offer per new record; returns the offer ids (in the records' order)."""
    ids = list(
        conn.execute(
            text("SELECT nextval('offre_id_seq') FROM generate_series(1, :n)"), {"n": len(records)}
        ).scalars()
    )
    payload = []
    for offer_id, rec in zip(ids, records, strict=True):
        fields = build_offer(
            [{"source": slug, "source_id": rec.source_id, "present": True, "donnees": rec.donnees}]
        )
        payload.append({"id": offer_id, **fields})
    cols = ", ".join(_COLUMNS)
    conn.execute(
        text(
            f"""
            INSERT INTO offre (id, {cols}, point, statut)
            SELECT r.id, {", ".join("r." + c for c in _COLUMNS)}, {_POINT}, 'active'
            FROM jsonb_array_elements(CAST(:rows AS jsonb)) AS e(j),
                 jsonb_populate_record(NULL::offre, e.j) AS r
            """
        ),
        {"rows": _dumps(payload)},
    )
    rec_ids = list(
        conn.execute(
            text("SELECT nextval('enregistrement_source_id_seq') FROM generate_series(1, :n)"),
            {"n": len(records)},
        ).scalars()
    )
    conn.execute(
        text(
            """
            INSERT INTO enregistrement_source (id, source, source_id, offre_id, brut, donnees,
                empreinte, premier_run_id, dernier_run_id)
            SELECT (e.j->>'id')::bigint, :s, e.j->>'source_id', (e.j->>'offre_id')::bigint,
                e.j->'brut', e.j->'donnees', e.j->>'empreinte', :run, :run
            FROM jsonb_array_elements(CAST(:rows AS jsonb)) AS e(j)
            """
        ),
        {
            "s": slug,
            "run": run_id,
            "rows": _dumps(
                [
                    {
                        "id": rid,
                        "source_id": rec.source_id,
                        "offre_id": oid,
                        "brut": rec.brut,
                        "donnees": rec.donnees,
                        "empreinte": rec.empreinte,
                    }
                    for rid, oid, rec in zip(rec_ids, ids, records, strict=True)
                ]
            ),
        },
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
    conn.execute(
        text(
            """
            INSERT INTO permanence (offre_id, enregistrement_id, code_insee, commune_nom, lieu,
                adresse, point, horaires, texte_original, extraite, origine)
            SELECT (e.j->>'offre_id')::bigint, (e.j->>'rid')::bigint, e.j->>'code_insee',
                e.j->>'commune_nom', e.j->>'lieu', e.j->>'adresse', """
            + _POINT
            + """, e.j->>'horaires', e.j->>'texte_original', (e.j->>'extraite')::boolean,
                CASE WHEN (e.j->>'extraite')::boolean THEN 'extraction' ELSE 'source' END
            FROM jsonb_array_elements(CAST(:rows AS jsonb)) AS e(j)
            """
        ),
        {"rows": _dumps([{**p, "rid": rid, "offre_id": oid} for rid, oid, p in rows])},
    )


def replace_permanences(conn: Connection, record_id: int, offer_id: int, rec: Any) -> None:
    """Permanences derived from a record follow it; those entered by people stay."""
    conn.execute(
        text(
            "DELETE FROM permanence WHERE enregistrement_id = :r"
            " AND origine IN ('source', 'extraction')"
        ),
        {"r": record_id},
    )
    _insert_permanences(
        conn, [(record_id, offer_id, p) for p in rec.donnees.get("permanences") or []]
    )


def rebuild_offers(conn: Connection, offer_ids: Iterable[int]) -> set[int]:
    """Recompute the fields of the surviving offers behind ``offer_ids``; returns them."""
    ids = list(offer_ids)
    if not ids:
        return set()
    survivors = set(
        conn.execute(
            text("SELECT DISTINCT coalesce(fusionnee_dans, id) FROM offre WHERE id = ANY(:ids)"),
            {"ids": ids},
        ).scalars()
    )
    grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in conn.execute(
        text(
            """
            SELECT coalesce(o.fusionnee_dans, o.id) AS survivor, es.source, es.source_id,
                   es.present, es.donnees
            FROM enregistrement_source es JOIN offre o ON o.id = es.offre_id
            WHERE o.id = ANY(:ids) OR o.fusionnee_dans = ANY(:ids)
            """
        ),
        {"ids": list(survivors)},
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
        sets = ", ".join(f"{c} = r.{c}" for c in _COLUMNS)
        conn.execute(
            text(
                f"""
                UPDATE offre o SET {sets}, point = {_POINT}, statut = {_STATUT},
                    updated_at = now()
                FROM jsonb_array_elements(CAST(:rows AS jsonb)) AS e(j),
                     jsonb_populate_record(NULL::offre, e.j) AS r
                WHERE o.id = r.id
                """
            ),
            {"rows": _dumps(payload)},
        )
    return survivors
