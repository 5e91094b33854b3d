"""Where and when itinerant help comes: the stops of an offer or of a commune (an active
permanence, or an itinerant offer's own place when it lists no stop), each with its OSM
hours, and their passages over a span of time from the project's hours evaluator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from mapdir.errors import NotFound
from mapdir.geo.services import commune_detail
from mapdir.hours import evaluate

#: the feeds cover this many months from today
MONTHS_AHEAD = 3
#: more openings than any weekly expression has in three months (a bound, not a target)
MAX_PASSAGES_PER_STOP = 400


@dataclass(frozen=True)
class Stop:
    """A place where an offer's help comes on given days (its OSM hours)."""

    offre_id: int
    offre_nom: str
    permanence_id: int | None  # None: the itinerant offer's own place
    lieu: str | None
    adresse: str | None
    code_postal: str | None
    commune: str | None
    code_insee: str | None
    horaires: str | None
    telephone: str | None


@dataclass(frozen=True)
class Passage:
    stop: Stop
    debut: datetime  # France's wall-clock time, naive
    fin: datetime


def months_later(start: datetime, months: int = MONTHS_AHEAD) -> datetime:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    for day in range(start.day, 27, -1):
        try:
            return start.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return start.replace(year=year, month=month, day=min(start.day, 28))


def passages(stops: list[Stop], start: datetime, end: datetime) -> list[Passage]:
    """Every opening of every stop that ends after ``start`` and begins before ``end``,
    in time order."""
    horizon = (end - start) // timedelta(days=1) + 1
    out = []
    for stop in stops:
        for begin, finish in evaluate.next_openings(
            stop.horaires, start, MAX_PASSAGES_PER_STOP, horizon
        ):
            if begin < end:
                out.append(Passage(stop, begin, finish))
    return sorted(out, key=lambda p: (p.debut, p.stop.offre_id, p.stop.permanence_id or 0))


# Active permanences of active offers, a merged offer's stops answering for its survivor.
_STOPS_SQL = """
SELECT s.id AS offre_id, s.nom AS offre_nom, p.id AS permanence_id, p.lieu, p.adresse,
       NULL AS code_postal, coalesce(p.commune_nom, c.nom) AS commune, p.code_insee,
       p.horaires, s.telephones[1] AS telephone
FROM permanence p
JOIN offre o0 ON o0.id = p.offre_id
JOIN offre s ON s.id = coalesce(o0.fusionnee_dans, o0.id)
LEFT JOIN commune c ON c.code = p.code_insee
WHERE p.statut = 'active' AND s.statut = 'active' AND {where}
UNION ALL
SELECT o.id, o.nom, NULL, NULL, o.adresse, o.code_postal, coalesce(o.commune_nom, c.nom),
       o.code_insee, o.horaires, o.telephones[1]
FROM offre o LEFT JOIN commune c ON c.code = o.code_insee
WHERE o.statut = 'active' AND 'Itinérant' = ANY(o.itinerance) AND {own_where}
  AND NOT EXISTS (
      SELECT 1 FROM permanence p JOIN offre o0 ON o0.id = p.offre_id
      WHERE p.statut = 'active' AND coalesce(o0.fusionnee_dans, o0.id) = o.id)
ORDER BY offre_id, permanence_id NULLS FIRST
"""


def _stops(conn: Connection, where: str, own_where: str, params: dict[str, Any]) -> list[Stop]:
    rows = conn.execute(text(_STOPS_SQL.format(where=where, own_where=own_where)), params)
    return [Stop(**row) for row in rows.mappings()]


def offer_stops(conn: Connection, offer_id: int) -> tuple[dict[str, Any], list[Stop]]:
    """The offer (a merged one answers with its survivor) and its stops. NotFound when no
    offer has this id."""
    row = conn.execute(
        text(
            """
            WITH RECURSIVE chain(id, depth) AS (
                SELECT CAST(:id AS bigint), 0
                UNION ALL
                SELECT o.fusionnee_dans, chain.depth + 1 FROM chain JOIN offre o ON o.id = chain.id
                WHERE o.statut = 'fusionnee' AND o.fusionnee_dans IS NOT NULL AND depth < 10
            )
            SELECT o.id, o.nom, o.statut FROM chain JOIN offre o ON o.id = chain.id
            ORDER BY chain.depth DESC LIMIT 1
            """
        ),
        {"id": offer_id},
    ).one_or_none()
    if row is None:
        raise NotFound(f"Aucune offre n'a l'identifiant {offer_id}.", parametre="id")
    stops = _stops(conn, "s.id = :id", "o.id = :id", {"id": row.id})
    return {"id": row.id, "nom": row.nom, "statut": row.statut}, stops


def commune_stops(conn: Connection, code: str) -> tuple[dict[str, Any], list[Stop]]:
    """The commune (an old code resolves to the current one) and the stops in it."""
    commune = commune_detail(conn, code)
    stops = _stops(conn, "p.code_insee = :code", "o.code_insee = :code", {"code": commune["code"]})
    return commune, stops


def has_passages(detail: dict[str, Any], now: datetime) -> bool:
    """Whether the offer's feed holds something soon (the offer page and the fiche then show
    « Ajouter à mon agenda »): a permanence with a next passage, or an itinerant offer with
    no active permanence whose own hours open within the feed's span."""
    if detail.get("statut") != "active":
        return False
    stops = detail.get("permanences") or []
    if any(p.get("prochains_passages") for p in stops):
        return True
    if "Itinérant" not in (detail.get("itinerance") or []):
        return False
    if any(p.get("statut") == "active" for p in stops):
        return False
    horizon = (months_later(now) - now).days
    return bool(evaluate.next_openings(detail.get("horaires"), now, 1, horizon))
