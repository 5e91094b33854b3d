"""Shared pieces of the source modules: file readers and the record-filling helpers.

Readers load a whole file (the largest is 4 MB) and raise ``BadFile`` with a French reason
for an empty file, a file that is not UTF-8, invalid or truncated JSON, a file without
records, or missing required columns. Encoding: UTF-8 (with or without BOM) only; cp1252
is not guessed, because a wrong guess would silently corrupt names.

The ``set_*``/``add_*`` helpers clean one value into an ``OfferRecord`` and append a fix
code to ``record.fixes`` whenever ``etl.cleaning`` reports a repaired defect.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from unidecode import unidecode

from etl import cleaning
from etl.record import BadFile, OfferRecord, Reject
from mapdir.hours.free_text import free_text_to_osm
from mapdir.hours.osm import validate_osm


def read_text(path: Path) -> str:
    """File content decoded as UTF-8 (BOM allowed); BadFile when empty or not UTF-8."""
    data = Path(path).read_bytes()
    if not data.strip():
        raise BadFile("fichier vide")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadFile(
            f"le fichier n'est pas encodé en UTF-8 (octet invalide à la position {error.start})"
        ) from error


def check_columns(columns: Iterable[str], required: Iterable[str]) -> None:
    """BadFile listing the ``required`` columns absent from ``columns``."""
    missing = sorted(set(required) - set(columns))
    if missing:
        raise BadFile("colonnes obligatoires absentes : " + ", ".join(missing))


def read_json_array(path: Path, required: Iterable[str] = ()) -> list[dict[str, Any]]:
    """A JSON array of objects; ``required`` keys must appear in the file's records."""
    text = read_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadFile(
            f"JSON invalide ou tronqué (ligne {error.lineno}, colonne {error.colno})"
        ) from error
    if not isinstance(data, list):
        raise BadFile("un tableau JSON d'enregistrements est attendu")
    if not data:
        raise BadFile("le fichier ne contient aucun enregistrement")
    if not all(isinstance(item, dict) for item in data):
        raise BadFile("le tableau JSON contient des éléments qui ne sont pas des objets")
    keys: set[str] = set()
    for item in data:
        keys.update(item)
    check_columns(keys, required)
    return data


def read_csv_rows(
    path: Path, required: Iterable[str] = (), delimiter: str = ","
) -> list[dict[str, str]]:
    """CSV rows as dicts (quoted fields may span lines); BadFile on missing columns."""
    text = read_text(path)
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        columns = [c.strip() for c in reader.fieldnames or []]
        check_columns(columns, required)
        rows = []
        for row in reader:
            if None in row:
                raise BadFile(f"ligne {reader.line_num} : trop de valeurs pour les colonnes")
            rows.append({k.strip(): (v or "") for k, v in row.items()})
    except csv.Error as error:
        raise BadFile(f"CSV illisible : {error}") from error
    if not rows:
        raise BadFile("le fichier ne contient aucun enregistrement")
    return rows


def stable_hash(*parts: object) -> str:
    """Short stable id from normalised parts (accents, case and spacing ignored)."""
    key = "|".join(" ".join(unidecode(str(p or "")).lower().split()) for p in parts)
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def text_or_none(value: object) -> str | None:
    """A raw value as stripped text; None for None or blank."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


# ---- record filling ----------------------------------------------------------------------


def new_record(source: str, source_id: object, name: object, raw: dict[str, Any]) -> OfferRecord:
    """An OfferRecord with a clean name; Reject when the id or the name is missing."""
    identifier = text_or_none(source_id)
    if identifier is None:
        raise Reject("identifiant manquant", "id_manquant")
    clean_name, fixed = cleaning.strip_html(name)
    if not clean_name:
        raise Reject("nom manquant", "nom_manquant")
    record = OfferRecord(source=source, source_id=identifier, nom=clean_name, raw=raw)
    if fixed:
        record.fixes.append("nom_nettoye")
    return record


def fix(record: OfferRecord, fixed: bool, code: str) -> None:
    """Append ``code`` to ``record.fixes`` when ``fixed``."""
    if fixed:
        record.fixes.append(code)


def set_text(record: OfferRecord, attribute: str, value: object, keep_lines: bool = False) -> None:
    """Plain text (HTML removed, whitespace collapsed unless ``keep_lines``) into ``attribute``."""
    text, fixed = cleaning.strip_html(value, keep_lines=keep_lines)
    setattr(record, attribute, text)
    fix(record, fixed, f"{attribute}_nettoye")


def set_address(record: OfferRecord, adresse: object, complement: object = None) -> None:
    """Address and complement, cleaned as text."""
    set_text(record, "adresse", adresse)
    set_text(record, "complement_adresse", complement)


def set_commune(record: OfferRecord, postcode: object, commune: object, insee: object) -> None:
    """Postcode, commune name and INSEE code, each repaired when possible."""
    record.code_postal, fixed = cleaning.clean_postcode(postcode)
    fix(record, fixed, "code_postal_corrige" if record.code_postal else "code_postal_invalide")
    set_text(record, "commune", commune)
    record.code_insee, fixed = cleaning.clean_insee(insee)
    fix(record, fixed, "code_insee_corrige" if record.code_insee else "code_insee_invalide")


def set_coordinates(record: OfferRecord, latitude: object, longitude: object) -> None:
    """Coordinates, swapped back when inverted; Reject when outside France."""
    record.latitude, record.longitude, fixed = cleaning.clean_coordinates(latitude, longitude)
    if fixed:
        record.fixes.append(
            "coordonnees_inversees" if record.latitude is not None else "coordonnees_invalides"
        )


def set_pivot(record: OfferRecord, value: object) -> None:
    """SIRET or RNA."""
    record.pivot, fixed = cleaning.clean_pivot(value)
    fix(record, fixed, "pivot_corrige" if record.pivot else "pivot_invalide")


def add_phones(record: OfferRecord, *values: object) -> None:
    """Phones of one or several fields, de-duplicated."""
    for value in values:
        phones, fixed = cleaning.clean_phones(value)
        fix(record, fixed, "telephone_invalide")
        record.telephones += [p for p in phones if p not in record.telephones]


def add_emails(record: OfferRecord, *values: object) -> None:
    """E-mails of one or several fields, lower-cased and de-duplicated."""
    for value in values:
        emails, fixed = cleaning.clean_emails(value)
        fix(record, fixed, "courriel_invalide")
        record.courriels += [e for e in emails if e not in record.courriels]


def add_urls(record: OfferRecord, *values: object) -> None:
    """Web sites of one or several fields."""
    for value in values:
        urls, fixed = cleaning.clean_urls(value)
        fix(record, fixed, "site_web_corrige")
        record.sites_web += [u for u in urls if u not in record.sites_web]


def set_url(record: OfferRecord, attribute: str, value: object) -> None:
    """A single URL field (acceslibre, appointment booking)."""
    url, fixed = cleaning.clean_url(value)
    setattr(record, attribute, url)
    fix(record, fixed, f"{attribute}_corrige")


def set_date(record: OfferRecord, value: object) -> None:
    """``date_maj`` from ISO or dd/mm/yyyy."""
    record.date_maj, fixed = cleaning.parse_date(value)
    fix(record, fixed, "date_maj_invalide")


def set_osm_or_text_hours(record: OfferRecord, value: object) -> None:
    """Hours given as OSM: kept when valid, else read as French text, else kept as text."""
    text, fixed = cleaning.strip_html(value)
    if not text:
        return
    if validate_osm(text) and not fixed:
        record.horaires = text
        return
    parsed = free_text_to_osm(text)
    if parsed:
        record.horaires = parsed
        record.fixes.append("horaires_convertis")
    else:
        record.horaires_texte = text
        record.fixes.append("horaires_non_reconnus")


_ADDRESS_WITH_COMMUNE = re.compile(r"^(?P<street>.*?)[\s,\-]+(?P<cp>\d{5})\s+(?P<commune>[^\d,]+)$")


def split_commune_from_address(record: OfferRecord) -> None:
    """ "2 Place X, 87000 Limoges" → adresse "2 Place X" (+ commune when missing), when the
    postcode in the address is the record's own."""
    found = _ADDRESS_WITH_COMMUNE.match(record.adresse or "")
    if not found or found["cp"] != record.code_postal or not found["street"].strip():
        return
    record.adresse = found["street"].strip()
    if record.commune is None:
        record.commune = found["commune"].strip()
        record.fixes.append("commune_extraite_adresse")
    else:
        record.fixes.append("adresse_sans_commune")


def require_location(record: OfferRecord) -> None:
    """Reject a record that cannot be placed at all. A département alone is enough to go
    on: the commune resolver then looks for a commune named in the place's name or
    address ("Antenne d'Anould", département 88)."""
    located = record.code_insee or record.code_postal or record.commune or record.departement
    if record.latitude is None and not located:
        raise Reject(
            "aucune localisation : ni coordonnées, ni code INSEE, ni code postal, ni commune,"
            " ni département",
            "sans_localisation",
        )


def unique(values: Iterable[str]) -> list[str]:
    """Values without duplicates, first occurrence order kept."""
    return list(dict.fromkeys(values))
