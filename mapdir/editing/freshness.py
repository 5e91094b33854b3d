"""Freshness of the offers of one's scope: to check (> 6 months), obsolete (> 12 months),
absent from their source, in conflict; as rows for the dashboard and its CSV export.

The 6/12-month rule is the one of the public pages (``mapdir.offers.offer_json.freshness``:
the later of ``date_maj`` and ``confirmed_at``); « toujours à jour » sets ``confirmed_at``.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.engine import Connection

from mapdir import csv_export
from mapdir.db.tables import offre, surcharge
from mapdir.editing.accounts import User
from mapdir.editing.permissions import in_scope
from mapdir.offers.offer_json import freshness

CATEGORIES = {
    "a_verifier": "À vérifier (plus de 6 mois)",
    "obsolete": "Obsolète (plus de 12 mois)",
    "absente_source": "Absente de sa source",
    "en_conflit": "En conflit avec la source",
    "jamais_confirmee": "Jamais confirmée par une personne",
}
# listed only when asked for: most offers of a new directory were never confirmed
ON_REQUEST = {"jamais_confirmee"}
CSV_COLUMNS = ("id", "nom", "commune", "statut", "date_maj", "confirmee_le", "categories")


def freshness_rows(
    conn: Connection, user: User, today: date | None = None, wanted: str = ""
) -> tuple[list[dict[str, Any]], Counter]:
    """Offers of ``user``'s scope needing attention, and the count per category; the
    categories of ``ON_REQUEST`` list their offers only when ``wanted`` (oldest first)."""
    today = today or date.today()
    o, s = offre.c, surcharge.c
    conflict = exists().where(s.offre_id == o.id, s.actif, s.en_conflit)
    rows = conn.execute(
        select(
            o.id,
            o.nom,
            o.commune_nom,
            o.statut,
            o.date_maj,
            o.confirmed_at,
            conflict.label("en_conflit"),
        )
        .where(in_scope(user), o.statut.not_in(("fusionnee", "fermee")))
        .order_by(o.nom, o.id)
    ).all()
    out: list[dict[str, Any]] = []
    counts: Counter = Counter()
    for row in rows:
        fresh = freshness(row, today)
        categories = [fresh["statut"]] if fresh["statut"] != "a_jour" else []
        if row.statut == "absente_source":
            categories.append("absente_source")
        if row.en_conflit:
            categories.append("en_conflit")
        if row.confirmed_at is None and row.statut == "active":
            categories.append("jamais_confirmee")
        counts.update(categories)
        if not set(categories) - (ON_REQUEST - {wanted}):
            continue
        out.append(
            {
                "id": row.id,
                "nom": row.nom,
                "commune": row.commune_nom or "",
                "statut": row.statut,
                "date_maj": fresh["date_maj"] or "",
                "confirmee_le": fresh["confirmee_le"] or "",
                "categories": categories,
            }
        )
    if wanted in ON_REQUEST:
        out.sort(key=lambda r: (r["date_maj"], r["id"]))  # no date ("") first
    return out, counts


def to_csv(rows: list[dict[str, Any]]) -> str:
    """The dashboard's CSV (UTF-8 with a BOM, so that spreadsheets read it)."""
    labelled = (
        {**row, "categories": ", ".join(CATEGORIES[c] for c in row["categories"])} for row in rows
    )
    return csv_export.to_text(CSV_COLUMNS, labelled, csv_export.STANDARD_BOM)
