"""Human edits that survive re-imports: one override per offer and field.

When a person edits a field of an offer that comes from sources, the override keeps the
person's value and what the sources said at that time. ``apply_overrides`` runs in
``etl.rebuild.rebuild_offers`` right after ``build_offer``: edited fields keep the person's
value; if the sources' value has changed since the edit, the override is flagged as a
conflict (both values shown at ``/edition/conflits``); fields never edited follow the
sources. An override whose value the sources now agree with is retired.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from etl.merge import build_offer
from mapdir.editing.fields import COLUMN_FIELDS

SAISIE = "saisie"  # provenance of an edited field in offre.champs_source


def point_value(lon: Any, lat: Any) -> dict[str, float] | None:
    if lon is None or lat is None:
        return None
    return {"lon": round(float(lon), 6), "lat": round(float(lat), 6)}


def built_value(built: dict[str, Any], field: str) -> Any:
    """A field of ``build_offer``'s output in the editing package's JSON form."""
    if field == "point":
        return point_value(built.get("longitude"), built.get("latitude"))
    value = built.get(field)
    return value.isoformat() if hasattr(value, "isoformat") else value


def source_values(conn: Connection, offer_id: int) -> dict[str, Any] | None:
    """What the sources alone say about an offer (None for an offer with no source record)."""
    records = [
        {"source": r.source, "source_id": r.source_id, "present": r.present, "donnees": r.donnees}
        for r in conn.execute(
            text(
                "SELECT es.source, es.source_id, es.present, es.donnees"
                " FROM enregistrement_source es JOIN offre o ON o.id = es.offre_id"
                " WHERE o.id = :i OR o.fusionnee_dans = :i"
            ),
            {"i": offer_id},
        )
    ]
    if not records:
        return None
    built = build_offer(records)
    return {field: built_value(built, field) for field in (*COLUMN_FIELDS, "point")}


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def record_overrides(
    conn: Connection, offer_id: int, changed: dict[str, Any], modification_id: int
) -> None:
    """Keep the person's values of ``changed`` fields against future re-imports."""
    sources = source_values(conn, offer_id)
    if sources is None:  # entered on the web: no source can overwrite it
        return
    for field, value in changed.items():
        if field not in sources:
            continue
        if value == sources[field]:  # back to what the sources say: follow them again
            conn.execute(
                text(
                    "UPDATE surcharge SET actif = false, en_conflit = false, updated_at = now()"
                    " WHERE offre_id = :o AND champ = :c"
                ),
                {"o": offer_id, "c": field},
            )
            continue
        conn.execute(
            text(
                """
                INSERT INTO surcharge (offre_id, champ, valeur, valeur_source, modification_id)
                VALUES (:o, :c, CAST(:v AS jsonb), CAST(:s AS jsonb), :m)
                ON CONFLICT (offre_id, champ) DO UPDATE SET valeur = excluded.valeur,
                    valeur_source = excluded.valeur_source, source_actuelle = NULL,
                    en_conflit = false, actif = true, modification_id = excluded.modification_id,
                    updated_at = now()
                """
            ),
            {
                "o": offer_id,
                "c": field,
                "v": _dumps(value),
                "s": _dumps(sources[field]),
                "m": modification_id,
            },
        )


def _overlay(built: dict[str, Any], field: str, value: Any) -> None:
    if field == "point":
        if value:
            built["longitude"], built["latitude"] = value["lon"], value["lat"]
            built["geo_precision"], built["geo_score"] = "adresse", None
        else:
            built["longitude"] = built["latitude"] = None
    else:
        built[field] = value
    built.setdefault("champs_source", {})["point" if field == "point" else field] = SAISIE


def apply_overrides(conn: Connection, payload: list[dict[str, Any]]) -> int:
    """Overlay active overrides on freshly built offers (``payload`` rows carry ``id``).

    Flags conflicts (the sources changed since the edit) and retires overrides the sources
    now agree with. Returns the number of new conflicts.
    """
    by_id = {row["id"]: row for row in payload}
    if not by_id:
        return 0
    rows = conn.execute(
        text(
            "SELECT offre_id, champ, valeur, valeur_source, source_actuelle, en_conflit"
            " FROM surcharge WHERE actif AND offre_id = ANY(:ids)"
        ),
        {"ids": list(by_id)},
    ).all()
    new_conflicts = 0
    for row in rows:
        built = by_id[row.offre_id]
        now = built_value(built, row.champ)
        if now == row.valeur:
            conn.execute(
                text(
                    "UPDATE surcharge SET actif = false, en_conflit = false, updated_at = now()"
                    " WHERE offre_id = :o AND champ = :c"
                ),
                {"o": row.offre_id, "c": row.champ},
            )
            continue
        if now == row.valeur_source and row.en_conflit:  # the sources went back: no conflict
            conn.execute(
                text(
                    "UPDATE surcharge SET en_conflit = false, source_actuelle = NULL,"
                    " updated_at = now() WHERE offre_id = :o AND champ = :c"
                ),
                {"o": row.offre_id, "c": row.champ},
            )
        elif now != row.valeur_source and (not row.en_conflit or now != row.source_actuelle):
            new_conflicts += 1
            conn.execute(
                text(
                    "UPDATE surcharge SET en_conflit = true, source_actuelle = CAST(:s AS jsonb),"
                    " updated_at = now() WHERE offre_id = :o AND champ = :c"
                ),
                {"o": row.offre_id, "c": row.champ, "s": _dumps(now)},
            )
        _overlay(built, row.champ, row.valeur)
    return new_conflicts
