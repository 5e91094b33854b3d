"""Deduplicate offers across sources: candidate pairs in PostGIS, scores in Python.

Candidates: active offers from disjoint sets of sources within ``RADIUS_M`` metres
(``ST_DWithin`` on geography, pre-filtered by the GiST index), sharing a SIRET, or in the
same commune when one of them is only placed at the commune's centre (then the distance is
no evidence and the pair needs a similar name, address or a shared phone). Each
pair is scored by ``etl.dedup_score.score_pair`` (explainable components); every score
and decision is stored in ``doublon``. A "fusion" merges the less authoritative offer into
the other (``statut = 'fusionnee'``, ``fusionnee_dans``): nothing is deleted, and
``undo_merge`` restores both offers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.engine import Connection

from etl.dedup_score import PairSide, score_pair
from etl.rebuild import rebuild_offers
from mapdir.offers.merge import SOURCE_RANK

RADIUS_M = 300

_CANDIDATES = text(
    """
    WITH src AS (
        SELECT coalesce(o.fusionnee_dans, o.id) AS oid, array_agg(DISTINCT es.source) AS sources
        FROM enregistrement_source es JOIN offre o ON o.id = es.offre_id
        GROUP BY 1
    ), changed AS (
        SELECT o.* FROM offre o WHERE o.id = ANY(:ids) AND o.statut = 'active'
    )
    , near AS (
        SELECT a.id AS a_id, b.id AS b_id FROM changed a
        JOIN offre b ON b.id <> a.id AND b.statut = 'active'
            AND b.point && ST_Expand(a.point, 0.006)
            AND ST_DWithin(a.point::geography, b.point::geography, :radius)
        UNION
        SELECT a.id, b.id FROM changed a
        JOIN offre b ON b.id <> a.id AND b.statut = 'active' AND b.pivot = a.pivot
        WHERE a.pivot IS NOT NULL
        UNION
        -- a point at the commune's centre says nothing: same commune and some evidence
        SELECT a.id, b.id FROM changed a
        JOIN offre b ON b.id <> a.id AND b.statut = 'active' AND b.code_insee = a.code_insee
            AND (a.geo_precision = 'commune' OR b.geo_precision = 'commune')
            AND (similarity(a.nom, b.nom) > 0.3 OR a.telephones && b.telephones
                 OR similarity(coalesce(a.adresse, ''), coalesce(b.adresse, '')) > 0.6)
    )
    SELECT DISTINCT least(n.a_id, n.b_id) AS id_a, greatest(n.a_id, n.b_id) AS id_b
    FROM near n
    JOIN src sa ON sa.oid = n.a_id
    JOIN src sb ON sb.oid = n.b_id
    WHERE NOT (sa.sources && sb.sources)
    """
)


def _side(row) -> PairSide:
    return PairSide(
        nom=row.nom,
        adresse=row.adresse,
        code_postal=row.code_postal,
        code_insee=row.code_insee,
        pivot=row.pivot,
        # a commune-centre point is no location evidence
        latitude=None if row.geo_precision == "commune" else row.lat,
        longitude=None if row.geo_precision == "commune" else row.lon,
        telephones=tuple(row.telephones or ()),
        courriels=tuple(row.courriels or ()),
        source=row.best_source or "",
    )


def dedup_offers(conn: Connection, offer_ids: Iterable[int]) -> int:
    """Score the candidate pairs of ``offer_ids``; merge those above the threshold."""
    ids = list(offer_ids)
    if not ids:
        return 0
    pairs = conn.execute(_CANDIDATES, {"ids": ids, "radius": RADIUS_M}).all()
    if not pairs:
        return 0
    involved = sorted({p.id_a for p in pairs} | {p.id_b for p in pairs})
    rows = {
        r.id: r
        for r in conn.execute(
            text(
                """
                SELECT o.id, o.nom, o.adresse, o.code_postal, o.code_insee, o.pivot,
                    ST_X(o.point) AS lon, ST_Y(o.point) AS lat, o.telephones, o.courriels,
                    o.geo_precision,
                    (SELECT es.source FROM enregistrement_source es WHERE es.offre_id = o.id
                     ORDER BY es.id LIMIT 1) AS best_source
                FROM offre o WHERE o.id = ANY(:ids)
                """
            ),
            {"ids": involved},
        )
    }
    decided = {
        (r.offre_a, r.offre_b)
        for r in conn.execute(
            text(
                "SELECT offre_a, offre_b FROM doublon WHERE offre_a = ANY(:ids)"
                " AND (annulee OR decide_par = 'humain')"
            ),
            {"ids": involved},
        )
    }
    scored = []
    for p in pairs:
        if (p.id_a, p.id_b) in decided:
            continue
        s = score_pair(_side(rows[p.id_a]), _side(rows[p.id_b]))
        scored.append((s.score, p.id_a, p.id_b, s))
    scored.sort(key=lambda t: (-t[0], t[1], t[2]))
    merged_away: set[int] = set()
    kept: set[int] = set()
    merges = 0
    for score, a, b, s in scored:
        decision = s.decision
        if decision == "fusion" and (a in merged_away or b in merged_away):
            decision = "a_verifier"  # re-evaluated against the survivor at the next run
        components = {
            "nom": s.nom_similarite,
            "adresse": s.adresse_similarite,
            "distance_m": s.distance_m,
            "lieu": s.lieu_concordance,
            "meme_siret": s.meme_siret,
            "siret_differents": s.siret_differents,
            "meme_telephone": s.meme_telephone,
            "meme_courriel": s.meme_courriel,
            "types_incompatibles": s.types_incompatibles,
        }
        conn.execute(
            text(
                """
                INSERT INTO doublon (offre_a, offre_b, score, composantes, explication, decision)
                VALUES (:a, :b, :s, CAST(:c AS jsonb), :e, :d)
                ON CONFLICT (offre_a, offre_b) DO UPDATE SET score = EXCLUDED.score,
                    composantes = EXCLUDED.composantes, explication = EXCLUDED.explication,
                    decision = EXCLUDED.decision, updated_at = now()
                """
            ),
            {
                "a": a,
                "b": b,
                "s": score,
                "c": json.dumps(components),
                "e": list(s.explications),
                "d": decision,
            },
        )
        if decision == "fusion":
            keep, drop = _survivor(rows[a], rows[b])
            _merge(conn, keep, drop)
            merged_away.add(drop)
            kept.add(keep)
            merges += 1
    if merges:
        rebuild_offers(conn, kept)
    return merges


def _survivor(a, b) -> tuple[int, int]:
    ra = SOURCE_RANK.get(a.best_source, 9)
    rb = SOURCE_RANK.get(b.best_source, 9)
    return (a.id, b.id) if (ra, a.id) <= (rb, b.id) else (b.id, a.id)


def _merge(conn: Connection, keep: int, drop: int) -> None:
    conn.execute(
        text("UPDATE offre SET fusionnee_dans = :k WHERE fusionnee_dans = :d"),
        {"k": keep, "d": drop},
    )
    conn.execute(
        text(
            "UPDATE offre SET statut = 'fusionnee', fusionnee_dans = :k, updated_at = now()"
            " WHERE id = :d"
        ),
        {"k": keep, "d": drop},
    )


def undo_merge(conn: Connection, doublon_id: int) -> None:
    """Undo a merge decision: both offers live again; the pair is never merged again."""
    pair = conn.execute(
        text("SELECT offre_a, offre_b FROM doublon WHERE id = :i"), {"i": doublon_id}
    ).one()
    conn.execute(
        text(
            "UPDATE doublon SET annulee = true, decision = 'distinct', decide_par = 'humain',"
            " updated_at = now() WHERE id = :i"
        ),
        {"i": doublon_id},
    )
    for oid in (pair.offre_a, pair.offre_b):
        conn.execute(
            text(
                "UPDATE offre SET statut = 'active', fusionnee_dans = NULL, updated_at = now()"
                " WHERE id = :o AND statut = 'fusionnee'"
            ),
            {"o": oid},
        )
    rebuild_offers(conn, [pair.offre_a, pair.offre_b])
