"""The animators' duplicates queue (``/edition/doublons``): merges and their undo.

The import scores candidate pairs (``etl.dedup``): at or above the merge threshold the
pair is merged, between the verification threshold and it (``decision = 'a_verifier'``)
the pair waits here for a person, who confirms it (the two offers become one) or rejects
it (they stay two). Every decision can be undone: a person's decision sends the pair back
to the queue, an automatic merge is undone for good (the pair is never merged again). A
person's decision is never overwritten by a later import. Merging never deletes anything:
the less authoritative offer is ``fusionnee`` into the other (``fusionnee_dans``) and its
records feed the survivor's fields (``mapdir.editing.rebuild``).

A pair belongs to an editor's scope when both offers do (``permissions.in_scope``); every
action checks it again on the server.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, func, not_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Select

from mapdir.db.tables import doublon, enregistrement_source, offre
from mapdir.editing.accounts import User
from mapdir.editing.permissions import in_scope, require_offer
from mapdir.editing.rebuild import rebuild_offers
from mapdir.errors import Conflict, InvalidParameter, NotFound
from mapdir.offers.merge import SOURCE_RANK

#: the queue's views, in the order of the page's tabs
VIEWS = {
    "a_verifier": "À vérifier",
    "decides": "Décidés par une personne",
    "automatiques": "Fusionnés automatiquement",
}
ACTIONS = ("confirmer", "rejeter", "annuler")
MAX_ROWS = 200
ALREADY_DECIDED = "Cette paire a déjà été traitée : la page a été rechargée."
NOT_ACTIVE = "L'une des deux offres n'est plus active : la paire ne peut plus être fusionnée."
NOTHING_TO_UNDO = "Il n'y a rien à annuler pour cette paire."

_A = offre.alias("a")
_B = offre.alias("b")


def _pending() -> ColumnElement[bool]:
    d = doublon.c
    return and_(
        d.decision == "a_verifier",
        not_(d.annulee),
        _A.c.statut == "active",
        _B.c.statut == "active",
    )


def _decided_by_person() -> ColumnElement[bool]:
    d = doublon.c
    return and_(
        d.decide_par == "humain",
        d.decide_par_utilisateur.is_not(None),
        d.decision.in_(("fusion", "distinct")),
        not_(d.annulee),
    )


def _automatic_merge() -> ColumnElement[bool]:
    d = doublon.c
    return and_(d.decision == "fusion", d.decide_par == "regle", not_(d.annulee))


_VIEW_CONDITIONS = {
    "a_verifier": _pending,
    "decides": _decided_by_person,
    "automatiques": _automatic_merge,
}


def _pairs(user: User, *columns: Any) -> Select:
    d = doublon.c
    return (
        select(*columns)
        .select_from(doublon)
        .join(_A, _A.c.id == d.offre_a)
        .join(_B, _B.c.id == d.offre_b)
        .where(in_scope(user, _A), in_scope(user, _B))
    )


def count_pending(conn: Connection, user: User) -> int:
    """How many pairs wait for a person's decision in ``user``'s scope (the back-office
    home page shows it, linking to ``/edition/doublons``)."""
    return conn.execute(_pairs(user, func.count()).where(_pending())).scalar_one()


def queue_pair(
    conn: Connection, a: int, b: int, score: float, components: dict, reasons: Sequence[str]
) -> int:
    """Put the pair (a, b) in the queue (``a_verifier``), as the pipeline does between the
    thresholds (the spreadsheet import's "possible duplicates"); a pair already known keeps
    its decision (a person's above all). Returns the pair's id."""
    lo, hi = sorted((a, b))
    d = doublon.c
    conn.execute(
        insert(doublon)
        .values(
            offre_a=lo,
            offre_b=hi,
            score=score,
            composantes=components,
            explication=list(reasons),
            decision="a_verifier",
        )
        .on_conflict_do_nothing(index_elements=[d.offre_a, d.offre_b])
    )
    return conn.execute(select(d.id).where(d.offre_a == lo, d.offre_b == hi)).scalar_one()


def _source_list(alias) -> Any:
    es = enregistrement_source.c
    return (
        select(func.array_agg(func.distinct(es.source)))
        .where(es.offre_id == alias.c.id)
        .scalar_subquery()
    )


def list_pairs(conn: Connection, user: User, view: str = "a_verifier") -> list[Any]:
    """The pairs of one view (``VIEWS``) in ``user``'s scope, most likely duplicates first
    (decisions: most recent first)."""
    if view not in VIEWS:
        raise InvalidParameter("Vue inconnue.", parametre="vue")
    d = doublon.c
    sides = []
    for prefix, alias in (("a", _A), ("b", _B)):
        c = alias.c
        sides += [
            c.id.label(f"{prefix}_id"),
            c.nom.label(f"{prefix}_nom"),
            c.adresse.label(f"{prefix}_adresse"),
            c.code_postal.label(f"{prefix}_code_postal"),
            c.commune_nom.label(f"{prefix}_commune"),
            c.telephones.label(f"{prefix}_telephones"),
            c.courriels.label(f"{prefix}_courriels"),
            c.statut.label(f"{prefix}_statut"),
            _source_list(alias).label(f"{prefix}_sources"),
        ]
    query = _pairs(
        user,
        d.id,
        d.score,
        d.explication,
        d.composantes,
        d.decision,
        d.decide_le,
        *sides,
    ).where(_VIEW_CONDITIONS[view]())
    order = (d.score.desc(), d.id) if view == "a_verifier" else (d.decide_le.desc(), d.id.desc())
    if view == "automatiques":
        order = (d.updated_at.desc(), d.id.desc())
    return conn.execute(query.order_by(*order).limit(MAX_ROWS)).all()


def _locked_pair(conn: Connection, user: User, pair_id: int) -> Any:
    d = doublon.c
    pair = conn.execute(
        select(d.id, d.offre_a, d.offre_b, d.decision, d.decide_par, d.annulee)
        .where(d.id == pair_id)
        .with_for_update()
    ).first()
    if pair is None:
        raise NotFound("Paire introuvable.")
    for offer_id in (pair.offre_a, pair.offre_b):
        require_offer(conn, user, offer_id)
    return pair


def _best_source(conn: Connection, offer_id: int) -> str:
    es = enregistrement_source.c
    return (
        conn.execute(
            select(es.source).where(es.offre_id == offer_id).order_by(es.id).limit(1)
        ).scalar_one_or_none()
        or ""
    )


def survivor(a: int, source_a: str, b: int, source_b: str) -> tuple[int, int]:
    """(kept, merged away): the offer of the more authoritative source survives (the
    older offer between equals)."""
    ra = (SOURCE_RANK.get(source_a, 9), a)
    rb = (SOURCE_RANK.get(source_b, 9), b)
    return (a, b) if ra <= rb else (b, a)


def merge_offers(conn: Connection, keep: int, drop: int) -> None:
    """``drop`` (and what was merged into it) becomes part of ``keep``; nothing deleted."""
    o = offre.c
    conn.execute(update(offre).where(o.fusionnee_dans == drop).values(fusionnee_dans=keep))
    conn.execute(
        update(offre)
        .where(o.id == drop)
        .values(statut="fusionnee", fusionnee_dans=keep, updated_at=func.now())
    )


def _unmerge(conn: Connection, a: int, b: int) -> None:
    """Whichever of the two offers was merged into the other lives again."""
    o = offre.c
    for oid in (a, b):
        conn.execute(
            update(offre)
            .where(o.id == oid, o.statut == "fusionnee")
            .values(statut="active", fusionnee_dans=None, updated_at=func.now())
        )
    rebuild_offers(conn, [a, b])


def undo_merge(conn: Connection, pair_id: int) -> None:
    """Undo a merge for good: both offers live again; the pair is never merged again."""
    d = doublon.c
    pair = conn.execute(select(d.offre_a, d.offre_b).where(d.id == pair_id)).one()
    conn.execute(
        update(doublon)
        .where(d.id == pair_id)
        .values(annulee=True, decision="distinct", decide_par="humain", updated_at=func.now())
    )
    _unmerge(conn, pair.offre_a, pair.offre_b)


def _decide(conn: Connection, user: User, pair_id: int, **values: Any) -> None:
    conn.execute(
        update(doublon)
        .where(doublon.c.id == pair_id)
        .values(
            **values,
            decide_par_utilisateur=user.id,
            decide_le=func.now(),
            updated_at=func.now(),
        )
    )


def decide(conn: Connection, user: User, pair_id: int, action: str) -> str:
    """Confirm, reject or undo (``ACTIONS``) a pair in ``user``'s scope; returns the French
    sentence saying what was done. Raises NotFound, Forbidden, Conflict, InvalidParameter."""
    if action not in ACTIONS:
        raise InvalidParameter("Action inconnue.", parametre="action")
    pair = _locked_pair(conn, user, pair_id)
    if action == "annuler":
        return _undo(conn, user, pair)
    if pair.decision != "a_verifier" or pair.annulee:
        raise Conflict(ALREADY_DECIDED)
    if action == "rejeter":
        _decide(conn, user, pair_id, decision="distinct", decide_par="humain")
        return "Les deux offres restent distinctes."
    statuts = set(
        conn.execute(
            select(offre.c.statut).where(offre.c.id.in_((pair.offre_a, pair.offre_b)))
        ).scalars()
    )
    if statuts != {"active"}:
        raise Conflict(NOT_ACTIVE)
    a, b = pair.offre_a, pair.offre_b
    keep, drop = survivor(a, _best_source(conn, a), b, _best_source(conn, b))
    merge_offers(conn, keep, drop)
    _decide(conn, user, pair_id, decision="fusion", decide_par="humain")
    rebuild_offers(conn, [keep])
    return f"Les deux offres n'en font plus qu'une (offre n° {keep})."


def _undo(conn: Connection, user: User, pair: Any) -> str:
    if pair.annulee or pair.decision == "a_verifier":
        raise Conflict(NOTHING_TO_UNDO)
    if pair.decide_par == "regle":  # an automatic merge: undone for good
        undo_merge(conn, pair.id)
        _decide(conn, user, pair.id, decision="distinct", decide_par="humain", annulee=True)
        return "Fusion automatique annulée : les deux offres sont de nouveau distinctes."
    if pair.decision == "fusion":
        _unmerge(conn, pair.offre_a, pair.offre_b)
    # a person's decision: the pair waits again, and the next import may score it again
    _decide(conn, user, pair.id, decision="a_verifier", decide_par="regle")
    return "Décision annulée : la paire attend de nouveau une vérification."
