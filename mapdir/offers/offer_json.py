"""The public JSON of an offer row (the columns the search and the offer page select), its
freshness status (6 and 12 months), and whether its opening hours say open at a time."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Any

from mapdir.hours import evaluate
from mapdir.offers.models import LIST_FIELDS

#: the plain columns of an offer the public JSON needs (besides ``id`` and ``lon``/``lat``)
OFFER_FIELDS = (
    "nom", "adresse", "complement_adresse", "code_postal", "commune_nom", "code_insee",
    "geo_precision", "telephones", "courriels", "sites_web", "horaires", "horaires_texte",
    "services", "publics", "prise_en_charge", "frais", "modalites_acces",
    "modalites_accompagnement", "programmes", "itinerance", "typologie", "prise_rdv_url",
    "presentation_resume", "date_maj", "confirmed_at", "statut", "acceslibre_url", "prise_rdv",
)  # fmt: skip
OFFER_COLUMNS = "o.id, ST_X(o.point) AS lon, ST_Y(o.point) AS lat, " + ", ".join(
    f"o.{name}" for name in OFFER_FIELDS
)
#: the list fields of an offer that are public (the raw source services stay internal)
LIST_OUTPUT = tuple(f for f in LIST_FIELDS if f != "services_source")


def freshness(row: Any, today: date) -> dict[str, Any]:
    """date_maj and a status from the later of date_maj / confirmed_at (6 and 12 months)."""
    dates = [d for d in (row.date_maj, row.confirmed_at and row.confirmed_at.date()) if d]
    reference = max(dates) if dates else None
    year_ago, half_year_ago = _thresholds(today)
    if reference is None:
        status = "a_verifier"
    elif reference < year_ago:
        status = "obsolete"
    elif reference < half_year_ago:
        status = "a_verifier"
    else:
        status = "a_jour"
    return {
        "date_maj": row.date_maj.isoformat() if row.date_maj else None,
        "confirmee_le": row.confirmed_at.date().isoformat() if row.confirmed_at else None,
        # the latest word of a source or an animator on this offer
        "date_reference": reference.isoformat() if reference else None,
        "statut": status,
    }


@lru_cache(maxsize=4)
def _thresholds(today: date) -> tuple[date, date]:
    """12 and 6 months before ``today`` (once per day and process)."""
    return shift_months(today, -12), shift_months(today, -6)


def shift_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def offer_json(row: Any, today: date) -> dict[str, Any]:
    """The public fields of one offer row selected with OFFER_COLUMNS."""
    out: dict[str, Any] = {
        "id": row.id,
        "nom": row.nom,
        "adresse": row.adresse,
        "complement_adresse": row.complement_adresse,
        "code_postal": row.code_postal,
        "commune_nom": row.commune_nom,
        "code_insee": row.code_insee,
        "point": None
        if row.lon is None
        else {"type": "Point", "coordinates": [round(row.lon, 6), round(row.lat, 6)]},
        "precision_geo": row.geo_precision,
        "horaires": row.horaires,
        "horaires_texte": row.horaires_texte,
        "prise_rdv_url": row.prise_rdv_url,
        "prise_rdv": row.prise_rdv,
        "acceslibre_url": row.acceslibre_url,
        "presentation_resume": row.presentation_resume,
    }
    for name in LIST_OUTPUT:
        value = getattr(row, name)
        out[name] = [] if value is None else value  # a fresh list per row already
    out["fraicheur"] = freshness(row, today)
    return out


def open_at(expression: str | None, when: datetime | evaluate.Period | None) -> bool:
    return when is None or evaluate.open_state(expression, when) == "ouvert"
