"""Freshness of the offers of one's scope: to check (> 6 months), obsolete (> 12 months),
absent from their source, in conflict; as rows for the dashboard and its CSV export.

The 6/12-month rule is the one of the public pages (``mapdir.offers.offer_json.freshness``:
the later of ``date_maj`` and ``confirmed_at``); « toujours à jour » sets ``confirmed_at``.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from mapdir.editing.accounts import User
from mapdir.editing.permissions import scope_sql
from mapdir.offers.offer_json import freshness

CATEGORIES = {
    "a_verifier": "À vérifier (plus de 6 mois)",
    "obsolete": "Obsolète (plus de 12 mois)",
    "absente_source": "Absente de sa source",
    "en_conflit": "En conflit avec la source",
}
CSV_COLUMNS = ("id", "nom", "commune", "statut", "date_maj", "confirmee_le", "categories")


def freshness_rows(
    conn: Connection, user: User, today: date | None = None
) -> tuple[list[dict[str, Any]], Counter]:
    """Offers of ``user``'s scope needing attention, and the count per category."""
    today = today or date.today()
    where, params = scope_sql(user)
    rows = conn.execute(
        text(
            "SELECT o.id, o.nom, o.commune_nom, o.statut, o.date_maj, o.confirmed_at,"
            " EXISTS (SELECT 1 FROM surcharge s WHERE s.offre_id = o.id AND s.actif"
            "  AND s.en_conflit) AS en_conflit"
            f" FROM offre o WHERE {where} AND o.statut NOT IN ('fusionnee', 'fermee')"
            " ORDER BY o.nom, o.id"
        ),
        params,
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
        if not categories:
            continue
        counts.update(categories)
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
    return out, counts


def _cell(value: Any) -> str:
    """Plain text for a spreadsheet: no formula injection (=, +, -, @ at the start)."""
    value = ", ".join(CATEGORIES[c] for c in value) if isinstance(value, list) else str(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def to_csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([_cell(row[c]) for c in CSV_COLUMNS])
    return "\ufeff" + buffer.getvalue()  # BOM: spreadsheets read UTF-8
