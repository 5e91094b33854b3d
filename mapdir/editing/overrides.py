"""Human edits that survive re-imports: one override per offer and field.

When a person edits a field of an offer that comes from sources, the override keeps the
person's value and what the sources said at that time. ``apply_overrides`` runs in
``mapdir.editing.rebuild.rebuild_offers`` right after ``build_offer``: edited fields keep
the person's value; if the sources' value has changed since the edit, the override is
flagged as a conflict (both values shown at ``/edition/conflits``); fields never edited follow the
sources. An override whose value the sources now agree with is retired.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, null, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Update

from mapdir.db.rows import any_of
from mapdir.db.tables import enregistrement_source, offre, surcharge
from mapdir.editing.fields import COLUMN_FIELDS, same_value
from mapdir.offers.merge import build_offer

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
    record = enregistrement_source.c
    records = [
        {"source": r.source, "source_id": r.source_id, "present": r.present, "donnees": r.donnees}
        for r in conn.execute(
            select(record.source, record.source_id, record.present, record.donnees)
            .join_from(enregistrement_source, offre, offre.c.id == record.offre_id)
            .where(or_(offre.c.id == offer_id, offre.c.fusionnee_dans == offer_id))
        )
    ]
    if not records:
        return None
    built = build_offer(records)
    return {field: built_value(built, field) for field in (*COLUMN_FIELDS, "point")}


def _update_override(offer_id: int, field: str, **values: Any) -> Update:
    return (
        update(surcharge)
        .where(surcharge.c.offre_id == offer_id, surcharge.c.champ == field)
        .values(updated_at=func.now(), **values)
    )


#: an override given back to the sources
_RETIRED = {"actif": False, "en_conflit": False}


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
        if same_value(
            field, value, sources[field]
        ):  # back to what the sources say: follow them again
            conn.execute(_update_override(offer_id, field, **_RETIRED))
            continue
        new = insert(surcharge).values(
            offre_id=offer_id,
            champ=field,
            valeur=value,
            valeur_source=sources[field],
            modification_id=modification_id,
        )
        conn.execute(
            new.on_conflict_do_update(
                index_elements=[surcharge.c.offre_id, surcharge.c.champ],
                set_={
                    "valeur": new.excluded.valeur,
                    "valeur_source": new.excluded.valeur_source,
                    "source_actuelle": null(),
                    "en_conflit": False,
                    "actif": True,
                    "modification_id": new.excluded.modification_id,
                    "updated_at": func.now(),
                },
            )
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
    s = surcharge.c
    rows = conn.execute(
        select(
            s.offre_id, s.champ, s.valeur, s.valeur_source, s.source_actuelle, s.en_conflit
        ).where(s.actif, any_of(s.offre_id, by_id))
    ).all()
    new_conflicts = 0
    for row in rows:
        built = by_id[row.offre_id]
        now = built_value(built, row.champ)
        if same_value(row.champ, now, row.valeur):
            conn.execute(_update_override(row.offre_id, row.champ, **_RETIRED))
            continue
        unchanged = same_value(row.champ, now, row.valeur_source)
        if unchanged and row.en_conflit:  # the sources went back: no conflict
            conn.execute(
                _update_override(row.offre_id, row.champ, en_conflit=False, source_actuelle=null())
            )
        elif not unchanged and (
            not row.en_conflit or not same_value(row.champ, now, row.source_actuelle)
        ):
            new_conflicts += 1
            conn.execute(
                _update_override(row.offre_id, row.champ, en_conflit=True, source_actuelle=now)
            )
        _overlay(built, row.champ, row.valeur)
    return new_conflicts
