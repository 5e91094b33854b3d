"""Deduplicate offers: candidate pairs in PostGIS, scores in Python, decisions stored.

Every pair of active offers is a candidate, whatever their sources (a source's own
duplicates included: the France Services file lists some places twice), when they lie
within ``RADIUS_M`` metres (``ST_DWithin`` on geography, pre-filtered by the GiST index),
share a SIRET, share a phone or an e-mail within ``CONTACT_M`` metres, or lie in the same
commune when one of them is only placed at the commune's centre (then the distance is no
evidence and the pair needs a similar name, address or a shared phone). Each pair is scored
by ``mapdir.offers.dedup_score.score_pair`` (explainable components); every score and decision is
stored in ``doublon``. A "fusion" merges the less authoritative offer into the other
(``statut = 'fusionnee'``, ``fusionnee_dans``): nothing is deleted, and ``undo_merge``
restores both offers. Pairs between the verification and the merge thresholds wait in the
animators' queue (``mapdir.editing.duplicates``, ``/edition/doublons``); a person's
decision is never overwritten by a later run.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, or_, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Connection

from mapdir.db.rows import any_of, lon_lat
from mapdir.db.tables import commune, doublon, enregistrement_source, offre
from mapdir.editing.duplicates import merge_offers, survivor
from mapdir.editing.duplicates import undo_merge as undo_merge  # re-exported
from mapdir.editing.rebuild import rebuild_offers
from mapdir.offers.dedup_score import PairSide, score_pair

RADIUS_M = 300
CONTACT_M = 5000  # a shared phone or e-mail makes a candidate up to this far

_CANDIDATES = text(
    """
    WITH changed AS (
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
        WHERE a.pivot IS NOT NULL AND a.pivot <> '00000000000000'
        UNION
        -- the same phone or e-mail a few kilometres apart: the same desk with a bad point,
        -- or another site of the same organisation (the score tells them apart)
        SELECT a.id, b.id FROM changed a
        JOIN offre b ON b.id <> a.id AND b.statut = 'active'
            AND b.point && ST_Expand(a.point, 0.07)
            AND (a.telephones && b.telephones OR a.courriels && b.courriels)
            AND ST_DWithin(a.point::geography, b.point::geography, :contact)
        UNION
        -- a point at the commune's centre says nothing: same commune and some evidence
        SELECT a.id, b.id FROM changed a
        JOIN offre b ON b.id <> a.id AND b.statut = 'active' AND b.code_insee = a.code_insee
            AND (a.geo_precision = 'commune' OR b.geo_precision = 'commune')
            AND (similarity(a.nom, b.nom) > 0.3 OR a.telephones && b.telephones
                 OR a.courriels && b.courriels
                 OR similarity(coalesce(a.adresse, ''), coalesce(b.adresse, '')) > 0.6)
    )
    SELECT DISTINCT least(n.a_id, n.b_id) AS id_a, greatest(n.a_id, n.b_id) AS id_b
    FROM near n
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
        commune=row.commune_nom,
    )


def dedup_offers(conn: Connection, offer_ids: Iterable[int]) -> int:
    """Score the candidate pairs of ``offer_ids``; merge those above the threshold."""
    ids = list(offer_ids)
    if not ids:
        return 0
    pairs = conn.execute(_CANDIDATES, {"ids": ids, "radius": RADIUS_M, "contact": CONTACT_M}).all()
    if not pairs:
        return 0
    involved = sorted({p.id_a for p in pairs} | {p.id_b for p in pairs})
    o, es = offre.c, enregistrement_source.c
    first_source = (
        select(es.source).where(es.offre_id == o.id).order_by(es.id).limit(1).scalar_subquery()
    )
    commune_name = select(commune.c.nom).where(commune.c.code == o.code_insee).scalar_subquery()
    rows = {
        r.id: r
        for r in conn.execute(
            select(
                o.id, o.nom, o.adresse, o.code_postal, o.code_insee, o.pivot, *lon_lat(o.point),
                o.telephones, o.courriels, o.geo_precision, first_source.label("best_source"),
                commune_name.label("commune_nom"),
            ).where(any_of(o.id, involved))
        )
    }  # fmt: skip
    d = doublon.c
    decided = {
        (r.offre_a, r.offre_b)
        for r in conn.execute(
            select(d.offre_a, d.offre_b).where(
                any_of(d.offre_a, involved), or_(d.annulee, d.decide_par == "humain")
            )
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
        pair = insert(doublon).values(
            offre_a=a,
            offre_b=b,
            score=score,
            composantes=s.components(),
            explication=list(s.explications),
            decision=decision,
        )
        conn.execute(
            pair.on_conflict_do_update(
                index_elements=[d.offre_a, d.offre_b],
                set_={
                    "score": pair.excluded.score,
                    "composantes": pair.excluded.composantes,
                    "explication": pair.excluded.explication,
                    "decision": pair.excluded.decision,
                    "updated_at": func.now(),
                },
            )
        )
        if decision == "fusion":
            ra, rb = rows[a], rows[b]
            keep, drop = survivor(a, ra.best_source or "", b, rb.best_source or "")
            merge_offers(conn, keep, drop)
            merged_away.add(drop)
            kept.add(keep)
            merges += 1
    if merges:
        rebuild_offers(conn, kept)
    return merges
