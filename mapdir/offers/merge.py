"""Build one offer's fields from the source records that describe it (pure).

Several sources may describe the same place (after deduplication). Each field comes from
the best record that has a value: sources are ranked by how authoritative they are for a
place (the France Services file for France Services, the national v1 files next…), then
by freshness (``date_maj``). The hours (timetable and the text shown "tel que publié")
come together from one record. The point comes from the most precise geocoding. List fields
of the national vocabularies are the union of what the sources say. ``champs_source``
records which source gave each field (provenance per field).
"""

from __future__ import annotations

from typing import Any

from mapdir.offers.models import LIST_FIELDS, SCALAR_FIELDS

SOURCE_RANK = {
    "france-services": 0,
    "mednum-v1": 1,
    "haute-vienne": 2,
    "data-inclusion-lieux": 3,
    "conseillers-numeriques": 4,
    "aidants-connect": 5,
}
PRECISION_RANK = {"adresse": 0, "source": 1, "rue": 2, "commune": 3}
# fields that must come from one and the same record: the timetable (OSM) and the text it
# was read from (or could not be read from) describe one source's hours, never a mix
GROUPED_FIELDS = (("horaires", "horaires_texte"),)
# lists whose union makes sense; the others (contacts) come from the best record only
UNION_FIELDS = {
    "services",
    "services_source",
    "publics",
    "prise_en_charge",
    "programmes",
    "modalites_acces",
    "modalites_accompagnement",
    "typologie",
    "telephones",
    "courriels",
    "sites_web",
}


def _rank(rec: dict[str, Any]) -> tuple:
    source = rec["source"]
    base = SOURCE_RANK.get(source, 3 if source.startswith("import:") else 9)
    date = rec["donnees"].get("date_maj") or ""
    # negative date order: freshest first (ISO strings compare as dates)
    return (base, "".join(chr(255 - ord(ch)) for ch in date), rec["source_id"])


def build_offer(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Fields of the offer (model column names) plus ``champs_source``.

    Each record is ``{"source", "source_id", "present", "donnees"}`` where ``donnees`` is
    the mapped record with its resolved ``code_insee``, ``longitude``/``latitude``,
    ``geo_precision`` and ``geo_score``. Records absent from their source are used only when
    no present record exists.
    """
    usable = [r for r in records if r.get("present", True)] or list(records)
    ordered = sorted(usable, key=_rank)
    out: dict[str, Any] = {}
    provenance: dict[str, str] = {}
    grouped = {f for group in GROUPED_FIELDS for f in group}
    for group in GROUPED_FIELDS:
        source_rec = next(
            (r for r in ordered if any(r["donnees"].get(f) not in (None, "") for f in group)),
            None,
        )
        for field in group:
            value = source_rec["donnees"].get(field) if source_rec else None
            out[field] = value if value not in (None, "") else None
            if out[field] is not None:
                provenance[field] = source_rec["source"]
    for field in SCALAR_FIELDS:
        if field in grouped:
            continue
        key = "commune" if field == "commune_nom" else field
        for rec in ordered:
            value = rec["donnees"].get(key)
            if value not in (None, "", []):
                out[field] = value
                provenance[field] = rec["source"]
                break
        else:
            out[field] = None
    for field in LIST_FIELDS:
        values: list[str] = []
        sources: list[str] = []
        for rec in ordered:
            got = rec["donnees"].get(field) or []
            if got and field not in UNION_FIELDS and values:
                continue
            new = [v for v in got if v not in values]
            if new:
                values.extend(new)
                sources.append(rec["source"])
        if field == "itinerance" and "Itinérant" in values:
            values = ["Itinérant"]
        out[field] = values
        if sources:
            provenance[field] = "+".join(dict.fromkeys(sources))
    with_point = [r for r in ordered if r["donnees"].get("longitude") is not None]
    if with_point:
        best = min(
            with_point,
            key=lambda r: (PRECISION_RANK.get(r["donnees"].get("geo_precision"), 5), _rank(r)),
        )
        d = best["donnees"]
        out["longitude"], out["latitude"] = d["longitude"], d["latitude"]
        out["geo_precision"], out["geo_score"] = d.get("geo_precision"), d.get("geo_score")
        provenance["point"] = best["source"]
    else:
        out["longitude"] = out["latitude"] = out["geo_precision"] = out["geo_score"] = None
    dates = [r["donnees"].get("date_maj") for r in usable if r["donnees"].get("date_maj")]
    out["date_maj"] = max(dates) if dates else None
    out["champs_source"] = provenance
    out["present"] = any(r.get("present", True) for r in records)
    return out
