"""What the search left out, said to the person: offers nearer than the answer's last that a
filter set aside for lack of information (hours, accessibility, fees, type d'offre
unknown), offers not receiving the public, and what an offer of the answer does not say
(``inclure_inconnus``).

Unknown is not "no": the answer counts what it left out so that the page can offer to
include it in one click (issue 18)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import FromClause

from mapdir.db.tables import offre
from mapdir.hours import evaluate
from mapdir.offers.filters import UNKNOWABLE, Filters
from mapdir.offers.nearest import Unknown
from mapdir.offers.type_offre import is_unknown

#: what an offer lacks → how the page says it
LACKS = {
    "horaires": "horaires non renseignés",
    "prise_en_charge": "accessibilité non précisée",
    "frais": "tarif non précisé",
    "type_offre": "type d'offre non renseigné",
}


def _states_nothing(values: list[str] | None, column: str) -> bool:
    return not set(values or ()) & set(UNKNOWABLE[column])


def missing_information(offer: dict[str, Any], filters: Filters) -> list[str]:
    """What this offer of the answer does not say among what the filters ask (only offers
    included with ``inclure_inconnus`` lack anything)."""
    lacks = []
    if filters.ouvert is not None:
        if evaluate.open_state(offer.get("horaires"), filters.ouvert) == "inconnu":
            lacks.append("horaires")
    if filters.prise_en_charge and _states_nothing(offer.get("prise_en_charge"), "prise_en_charge"):
        lacks.append("prise_en_charge")
    if filters.gratuit and _states_nothing(offer.get("frais"), "frais"):
        lacks.append("frais")
    stated = (offer.get(c) or () for c in ("services", "modalites_accompagnement", "programmes"))
    if filters.type_offre and is_unknown(*stated):
        lacks.append("type_offre")
    return lacks


def left_out_summary(
    unknown: Iterable[Unknown],
    reserved: Iterable[tuple[int, float]],
    cutoff_m: float,
    shown: set[int],
    limit: int,
) -> tuple[dict[str, Any], list[str]]:
    """(``ecartes`` of the answer, its French notes): the offers as near as ``cutoff_m`` (the
    answer's last distance, or infinity when the answer is short) left out for lack of
    information, by what they lack, and those not receiving the public."""
    nearer: dict[int, Unknown] = {}
    for item in unknown:
        if item.distance_m <= cutoff_m and item.id not in shown:
            known = nearer.get(item.id)
            lacks = tuple(dict.fromkeys((known.lacks if known else ()) + item.lacks))
            nearer[item.id] = Unknown(item.id, item.distance_m, lacks)
    by_lack = {name: sum(name in u.lacks for u in nearer.values()) for name in LACKS}
    closed = {i for i, d in reserved if d <= cutoff_m and i not in shown}
    at_least = len(nearer) >= limit
    ecartes = {
        "faute_d_information": {"total": len(nearer), "au_moins": at_least, **by_lack},
        "sans_accueil_du_public": len(closed),
    }
    notes = []
    if nearer:
        total = f"Au moins {len(nearer)}" if at_least else str(len(nearer))
        what = ", ".join(f"{n} : {LACKS[name]}" for name, n in by_lack.items() if n)
        plural = "x" if len(nearer) > 1 else ""
        notes.append(
            f"{total} lieu{plural} plus proche{'s' if len(nearer) > 1 else ''} "
            f"écarté{'s' if len(nearer) > 1 else ''} faute d'information ({what})."
        )
    if closed:
        plural = "x" if len(closed) > 1 else ""
        notes.append(
            f"{len(closed)} lieu{plural} plus proche{'s' if len(closed) > 1 else ''} "
            "réservé(s) à leurs résidents ou sans accueil du public, non proposé(s)."
        )
    return ecartes, notes


def left_out_of_export(
    conn: Connection, filters: Filters, source: FromClause, *where: ColumnElement[bool]
) -> dict[str, Any]:
    """``ecartes`` of an export (GeoJSON, data·inclusion): every offer of ``source`` meeting
    ``where`` (the export's scope without its filters) that the filters left out for lack
    of information, by what it lacks — the search's ``faute_d_information``, uncapped."""
    lacks = filters.lacks_clauses(offre)
    counts = dict.fromkeys(LACKS, 0)
    total = 0
    if lacks and not filters.inclure_inconnus:
        columns = [func.count().label("total")]
        columns += [func.count().filter(clause).label(name) for name, clause in lacks.items()]
        row = conn.execute(
            select(*columns).select_from(source).where(*where, filters.left_out_clause(offre))
        ).one()
        total = row.total
        counts.update({name: row._mapping[name] for name in lacks})
    return {"faute_d_information": {"total": total, "au_moins": False, **counts}}


def left_out_line(ecartes: dict[str, Any]) -> str | None:
    """The French line an export prints of ``ecartes`` (None when nothing was left out)."""
    left = ecartes["faute_d_information"]
    if not left["total"]:
        return None
    what = ", ".join(f"{left[name]} : {label}" for name, label in LACKS.items() if left[name])
    return (
        f"{left['total']} offre(s) écartée(s) faute d'information ({what}) ; "
        "inclure_inconnus=1 les inclut."
    )
