"""La Poste localities: the names a place may be given instead of its commune's.

The La Poste file's "ligne 5" names lieux-dits, delegated communes and former communes
(Chambois and Exmes, delegated communes of Gouffern en Auge; Salin-de-Giraud in Arles),
and a row whose 2023 commune code has since been merged names a former commune
(Pierrefitte-sur-Seine in Saint-Denis). Each is stored with the current commune, so that
the commune resolver and the permanence extractor read such names.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from mapdir.geo.readers import LaPosteRow


def localities(
    laposte: list[LaPosteRow], communes: dict, old_codes: dict[str, tuple[str, str, str]]
) -> set[tuple[str, str, str]]:
    """(current commune code, postcode, name) of every locality of the La Poste rows."""
    out: set[tuple[str, str, str]] = set()
    for row in laposte:
        current = row.code_insee if row.code_insee in communes else None
        if current is None and row.code_insee in old_codes:
            current = old_codes[row.code_insee][0]
            out.add((current, row.code_postal, row.nom))  # the former commune itself
        if current and row.ligne_5:
            out.add((current, row.code_postal, row.ligne_5))
    return out


def store_localities(conn: Connection, rows: set[tuple[str, str, str]]) -> int:
    conn.execute(text("DELETE FROM localite"))
    if rows:
        conn.execute(
            text(
                "INSERT INTO localite (code_insee, code_postal, nom)"
                " VALUES (:c, :p, :n) ON CONFLICT DO NOTHING"
            ),
            [{"c": c, "p": p, "n": n} for c, p, n in sorted(rows)],
        )
    return len(rows)
