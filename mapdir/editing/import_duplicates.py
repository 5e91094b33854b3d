"""Rows of a spreadsheet that describe an offer already in the directory.

The same rules as the import pipeline's deduplication: the candidates are the offers within
300 m of the row's point, sharing its SIRET, or in its commune (the row, or the offer, is
often placed only at the commune's centre); each pair is scored by
``mapdir.offers.dedup_score.score_pair``. ``fusion`` means "the same place": the row is not
created; ``a_verifier`` means "maybe": as in the pipeline, which merges only at ``fusion``,
the row is created, shown with the offer it resembles and put in the animators' duplicates queue
(``mapdir.editing.duplicates.queue_pair``, ``/edition/doublons``), where a person
confirms, rejects or undoes, as for the pipeline's pairs. One rule is added:
a row saying what an offer of its commune already says (same name, and the address and
phones it gives agree) is that offer, even with too little to score it above ``fusion``
(a name and a commune score 65). Offers created earlier in the same import are candidates
too, so a row repeated in a file, or a file imported twice, never creates an offer twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection
from unidecode import unidecode

from mapdir.db.rows import lon_lat, wgs84_point
from mapdir.db.tables import offre
from mapdir.offers.dedup_score import PairSide, score_pair

RADIUS_M = 300  # as the import pipeline (etl/dedup.py)
MAX_CANDIDATES = 200  # a commune's offers: Paris has a few hundred


@dataclass(frozen=True)
class Duplicate:
    offer_id: int
    nom: str
    commune: str
    score: float
    certain: bool  # the scorer's "fusion", or the same row again (else "a_verifier")
    reasons: tuple[str, ...]
    components: dict = field(default_factory=dict, compare=False)  # PairScore.components()


def _side(values: dict[str, Any], lon: float | None, lat: float | None) -> PairSide:
    return PairSide(
        nom=values.get("nom") or "",
        adresse=values.get("adresse"),
        code_postal=values.get("code_postal"),
        code_insee=values.get("code_insee"),
        pivot=values.get("pivot"),
        latitude=lat,
        longitude=lon,
        telephones=tuple(values.get("telephones") or ()),
        courriels=tuple(values.get("courriels") or ()),
    )


def _plain(text: str | None) -> str:
    return " ".join(unidecode(text or "").lower().replace("-", " ").split())


def _same_row(a: PairSide, b: PairSide) -> bool:
    """The row repeats what the offer says: same name and commune, nothing contradicting."""
    if _plain(a.nom) != _plain(b.nom) or not a.code_insee or a.code_insee != b.code_insee:
        return False
    if a.adresse and b.adresse and _plain(a.adresse) != _plain(b.adresse):
        return False
    digits = [{"".join(c for c in t if c.isdigit())[-9:] for t in s.telephones} for s in (a, b)]
    return not (digits[0] and digits[1] and not digits[0] & digits[1])


def find_duplicate(conn: Connection, values: dict[str, Any]) -> Duplicate | None:
    """The existing offer the row (``parse_offer_form`` values) most resembles, when the
    scorer says it is or may be the same place; None otherwise."""
    o = offre.c
    point = values.get("point")
    near = [o.code_insee == values.get("code_insee")]
    if point:
        here = wgs84_point(point["lon"], point["lat"])
        near.append(
            func.ST_DWithin(func.geography(o.point), func.geography(here), RADIUS_M)
            & o.point.op("&&")(func.ST_Expand(here, 0.006))
        )
    if values.get("pivot"):
        near.append(o.pivot == values["pivot"])
    rows = conn.execute(
        select(
            o.id,
            o.nom,
            o.adresse,
            o.code_postal,
            o.code_insee,
            o.pivot,
            o.commune_nom,
            o.telephones,
            o.courriels,
            o.geo_precision,
            *lon_lat(o.point),
        )  # fmt: skip
        .where(or_(*near), o.statut != "fusionnee")
        .limit(MAX_CANDIDATES)
    ).all()
    # a point at the commune's centre is no location evidence (as in the pipeline)
    row_side = _side(values, point and point["lon"], point and point["lat"])
    best: Duplicate | None = None
    for row in rows:
        precise = row.geo_precision != "commune"
        other = _side(row._mapping, row.lon if precise else None, row.lat if precise else None)
        scored = score_pair(row_side, other)
        same_row = _same_row(row_side, other)
        certain = scored.decision == "fusion" or same_row
        if scored.decision == "distinct" and not certain:
            continue
        if best and (best.certain, best.score) >= (certain, scored.score):
            continue
        reasons = tuple(scored.explications) + (("même nom, même commune",) if same_row else ())
        best = Duplicate(
            row.id, row.nom, row.commune_nom or "", scored.score, certain, reasons,
            scored.components(),
        )  # fmt: skip
    return best
