"""Spreadsheet import (CSV or XLSX): read the table (mapdir.editing.table_file, within
bounds), map its columns to offer fields, and create the offers row by row with a French
error per rejected row, naming its column. French hours are converted or kept as text;
rows repeating an offer already there are shown, not created (import_duplicates); rows that
may repeat one are created and their pair waits in the duplicates queue (/edition/doublons).

Each row goes through the same parsing and permission checks as the web form
(``parse_offer_form``, ``services.create_offer``), each in its own savepoint: a bad row is
reported and skipped, the others are created. ``dry_run`` does everything, then rolls back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from unidecode import unidecode
from werkzeug.datastructures import MultiDict

from mapdir.db.tables import code_postal, commune
from mapdir.editing import duplicates, services
from mapdir.editing.accounts import User
from mapdir.editing.fields import FIELDS, parse_offer_form
from mapdir.editing.import_duplicates import Duplicate, find_duplicate
from mapdir.editing.permissions import commune_in_scope
from mapdir.editing.placement import OUT_OF_TERRITORY
from mapdir.editing.table_file import read_table as read_table  # the reading, bounded
from mapdir.errors import MapdirError
from mapdir.hours.free_text import free_text_to_osm
from mapdir.hours.osm import validate_osm

# target → label; lat/lon are separate columns in a sheet
TARGETS = {
    **{name: f.label for name, f in FIELDS.items() if name != "point"},
    "latitude": "Latitude",
    "longitude": "Longitude",
}
_ALIASES = {
    "nom": ("nom", "nom du lieu", "structure", "lieu", "name"),
    "adresse": ("adresse", "address", "voie"),
    "code_postal": ("code postal", "cp", "code_postal", "postcode"),
    "commune_nom": ("commune", "ville", "city"),
    "code_insee": ("code insee", "insee", "code_insee", "code commune"),
    "telephones": ("telephone", "telephones", "tel"),
    "courriels": ("courriel", "courriels", "email", "mail"),
    "sites_web": ("site web", "site", "sites web", "url"),
    "horaires": ("horaires", "horaires osm", "opening hours"),
    "latitude": ("latitude", "lat"),
    "longitude": ("longitude", "lon", "lng"),
}


NO_COMMUNE = (
    "commune introuvable : donnez un code postal d'une seule commune, ou le code postal et le"
    " nom de la commune, ou le code INSEE."
)


@dataclass
class RowResult:
    line: int
    nom: str
    offer_id: int | None = None
    errors: list[str] = field(default_factory=list)  # the row is not created
    notes: list[str] = field(default_factory=list)  # what was read differently (hours…)
    duplicate: Duplicate | None = None  # not created: the offer it repeats
    resembles: Duplicate | None = None  # created, but maybe the same place as this offer
    pair_id: int | None = None  # then the pair waiting in the duplicates queue

    @property
    def valid(self) -> bool:
        return not self.errors and self.duplicate is None


def _key(label: str) -> str:
    return " ".join(unidecode(str(label or "")).lower().replace("_", " ").split())


def guess_mapping(headers: list[str]) -> dict[str, int]:
    """target field → column index, from the column names."""
    mapping: dict[str, int] = {}
    keys = [_key(h) for h in headers]
    for target in TARGETS:
        names = {_key(target), _key(TARGETS[target]), *_ALIASES.get(target, ())}
        for index, key in enumerate(keys):
            if key in names and index not in mapping.values():
                mapping[target] = index
                break
    return mapping


def _choices(name: str, raw: str) -> list[str]:
    """ "Seniors ; Jeunes" → the vocabulary's keys (by key or label, accents ignored)."""
    by_label = {_key(k): k for k, _l in FIELDS[name].options}
    by_label |= {_key(label): k for k, label in FIELDS[name].options}
    parts = [p for p in (x.strip() for x in raw.replace("|", ";").split(";")) if p]
    return [by_label.get(_key(p), p) for p in parts]


def _hours(form: MultiDict, raw: str, column: str) -> str | None:
    """OSM hours as they are, French free text converted when the project's converter reads
    it ("mercredi 9h-12h" → "We 09:00-12:00"), else kept as the text shown to the public;
    returns the note telling the person what was done."""
    if not raw or validate_osm(raw):
        form["horaires"] = raw
        return None
    converted = free_text_to_osm(raw)
    if converted:
        form["horaires"] = converted
        return f"Colonne {column} : « {raw} » lu comme « {converted} »."
    form["horaires"] = ""
    kept = form.get("horaires_texte", "").strip()
    form["horaires_texte"] = f"{kept}\n{raw}" if kept and raw not in kept else kept or raw
    return f"Colonne {column} : « {raw} » gardé en texte libre (non lu automatiquement)."


def _form(row: list[str], mapping: dict[str, int], headers: list[str]) -> tuple[MultiDict, list]:
    form: MultiDict = MultiDict()
    notes: list[str] = []
    hours: str | None = None
    for target, index in mapping.items():
        raw = row[index] if index < len(row) else ""
        kind = FIELDS[target].kind if target in FIELDS else "text"
        if target == "horaires":
            hours = raw.strip()  # after horaires_texte, which it may complete
        elif kind == "choices":
            for value in _choices(target, raw):
                form.add(target, value)
        elif kind == "lines":
            form[target] = "\n".join(p.strip() for p in raw.replace("|", ";").split(";"))
        elif kind == "bool":
            form[target] = {"oui": "oui", "non": "non", "1": "oui", "0": "non"}.get(_key(raw), "")
        else:
            form[target] = raw
    if hours is not None:
        note = _hours(form, hours, column_name("horaires", mapping, headers))
        notes += [note] if note else []
    return form, notes


def column_name(target: str, mapping: dict[str, int], headers: list[str]) -> str:
    """« header » of the column mapped to ``target`` (the field's label when unmapped)."""
    index = mapping.get(target)
    if index is not None and index < len(headers) and str(headers[index]).strip():
        return f"« {headers[index]} »"
    return f"« {TARGETS.get(target, target)} » (non choisie)"


def _error(field: str, message: str, mapping: dict[str, int], headers: list[str]) -> str:
    """A row's error naming the column(s) it comes from."""
    if field == "point":
        where = " et ".join(column_name(t, mapping, headers) for t in ("latitude", "longitude"))
        return f"Colonnes {where} : {message}"
    if field == "code_insee" and "code_insee" not in mapping:
        used = [t for t in ("code_postal", "commune_nom") if t in mapping]
        if used:  # the commune came (or not) from the postcode and the commune's name
            where = " et ".join(column_name(t, mapping, headers) for t in used)
            return f"Colonnes {where} : {message}"
    if field in TARGETS:
        return f"Colonne {column_name(field, mapping, headers)} : {message}"
    return message


def _resolve_insee(conn: Connection, form: MultiDict) -> None:
    """Fill a missing INSEE code from the postcode (one commune, or the commune's name)."""
    if form.get("code_insee") or not form.get("code_postal"):
        return
    rows = conn.execute(
        select(commune.c.code, commune.c.nom)
        .join_from(code_postal, commune, commune.c.code == code_postal.c.code_insee)
        .where(code_postal.c.code_postal == form["code_postal"])
    ).all()
    named = [r.code for r in rows if _key(r.nom) == _key(form.get("commune_nom", ""))]
    if named or len(rows) == 1:
        form["code_insee"] = (named or [rows[0].code])[0]


def import_rows(
    conn: Connection,
    user: User,
    rows: list[list[str]],
    mapping: dict[str, int],
    *,
    headers: list[str] | None = None,
    dry_run: bool = False,
) -> list[RowResult]:
    """Create one offer per valid row (line numbers as in the file: header = line 1).

    A row repeating an offer of the directory (or of an earlier row) is not created; one
    that only may repeat it is created and shown with the offer it resembles."""
    headers = headers or []
    results: list[RowResult] = []
    outer = conn.begin_nested()
    for number, row in enumerate(rows, start=2):
        form, notes = _form(row, mapping, headers)
        _resolve_insee(conn, form)
        values, errors = parse_offer_form(form)
        if errors.get("code_insee") and "code_insee" not in mapping:
            errors["code_insee"] = NO_COMMUNE
        result = RowResult(number, values.get("nom") or "", notes=notes)
        result.errors = [_error(f, m, mapping, headers) for f, m in errors.items()]
        results.append(result)
        if errors:
            continue
        if not commune_in_scope(conn, user, values.get("code_insee")):  # before any lookup
            result.errors.append(_error("code_insee", OUT_OF_TERRITORY, mapping, headers))
            continue
        duplicate = find_duplicate(conn, values)
        if duplicate and duplicate.certain:
            result.duplicate = duplicate
            continue
        result.resembles = duplicate
        savepoint = conn.begin_nested()
        try:
            result.offer_id = services.create_offer(conn, user, values)
            if duplicate:  # an animator decides in the duplicates queue
                d = duplicate
                result.pair_id = duplicates.queue_pair(
                    conn, result.offer_id, d.offer_id, d.score, d.components, d.reasons
                )
            savepoint.commit()
        except MapdirError as exc:
            savepoint.rollback()
            field = getattr(exc, "parametre", None) or "code_insee"  # the territory's column
            result.errors.append(_error(field, exc.message, mapping, headers))
    if dry_run:
        outer.rollback()
    else:
        outer.commit()
    return results


def mapping_from_form(form: Any, width: int) -> dict[str, int]:
    """``colonne_<target>`` = column index (or empty) → mapping."""
    mapping: dict[str, int] = {}
    for target in TARGETS:
        raw = form.get(f"colonne_{target}") or ""
        if raw.isascii() and raw.isdigit() and int(raw) < width:  # "²".isdigit()
            mapping[target] = int(raw)
    return mapping
