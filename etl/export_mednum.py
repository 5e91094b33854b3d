"""Export the directory's active offers as a national "lieux de médiation numérique" CSV.

The output follows schema v1.0.2 (``shared/data/schemas/lieux-mediation-numerique``): one
row per active offer, columns in the schema's order, ``,``-separated, list fields joined
with ``|``, exact standard labels. Every value is checked against the schema's own
constraints before it is written: a value that would break its pattern or length is fixed
(phone normalised, summary shortened) or left empty. A place without a street address is
exported with its commune (``adresse`` holds the commune's name, the complement says the
address is unknown); an offer that still lacks a required field is skipped, counted and
listed with its reason (``ExportSummary.skipped_offers``, printed by ``mapdir export``),
so no invalid row is emitted and no offer is dropped silently. What the schema has no
field for (other phones, hours known only as text, the appointment, a position at the
commune's centre) is written in ``presentation_detail``. ``validate_csv`` checks a
written file with frictionless.

Text that a spreadsheet would run as a formula is neutralised (``mapdir.csv_export``)
before the constraints are checked, so the check sees the value that is written; the
schema's patterned fields cannot start with a formula character except the phone, a plain
number left as it is (docs/csv-exports.md).
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Date, cast, func, select
from sqlalchemy.engine import Connection

from etl import vocab
from etl.cleaning import clean_phone, clean_pivot
from mapdir import csv_export
from mapdir.config import PROJECT_ROOT
from mapdir.db.tables import commune, enregistrement_source, offre
from mapdir.hours.osm import validate_osm
from mapdir.offers.filters import Filters

SCHEMA_PATH = (
    PROJECT_ROOT.parent
    / "shared"
    / "data"
    / "schemas"
    / "lieux-mediation-numerique"
    / "schema.json"
)
UNKNOWN_PIVOT = "00000000000000"  # the standard's "SIRET unknown" value
ID_PREFIX = "mapdir-"
DEFAULT_SOURCE = "mapdir"  # offers entered by hand have no source record
SUMMARY_MAX = 280
LIST_SEPARATOR = "|"

# Known defect of schema v1.0.2: the `formations_labels` pattern reads
# "Étapes numériques\(La Poste\)" (no space) while the label listed in the field's
# description, and used by producers, is "Étapes numériques (La Poste)".
_FORMATIONS_DEFECT = "Étapes numériques\\(La Poste\\)"
_FORMATIONS_FIXED = "Étapes numériques \\(La Poste\\)"

# Schema field → (offre list column, allowed standard labels).
_VOCABULARY_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "publics_specifiquement_adresses": ("publics", vocab.PUBLICS),
    "prise_en_charge_specifique": ("prise_en_charge", vocab.PRISE_EN_CHARGE),
    "frais_a_charge": ("frais", vocab.FRAIS),
    "dispositif_programmes_nationaux": ("programmes", vocab.PROGRAMMES),
    "modalites_acces": ("modalites_acces", vocab.MODALITES_ACCES),
    "modalites_accompagnement": ("modalites_accompagnement", vocab.MODALITES_ACCOMPAGNEMENT),
    "itinerance": ("itinerance", vocab.ITINERANCE),
}

#: what an export row is built from: an offer (its geometries aside), its position, its
#: commune's official name and postcodes, its date, and its sources (present ones first)
_GEOMETRIES = ("point", "point_xy", "point_3d", "etiquettes")
_o, _c, _e = offre.c, commune.c, enregistrement_source.c
_SOURCES = (
    select(_e.source)
    .where(_e.offre_id == _o.id)
    .group_by(_e.source)
    .order_by(func.bool_or(_e.present).desc(), _e.source)
)
_OFFERS = (
    select(
        *(column for column in offre.c if column.name not in _GEOMETRIES),
        func.ST_Y(_o.point).label("latitude"),
        func.ST_X(_o.point).label("longitude"),
        _c.nom.label("commune_officielle"),
        _c.codes_postaux.label("commune_codes_postaux"),
        func.coalesce(_o.date_maj, cast(_o.updated_at, Date)).label("date_export"),
        func.array(_SOURCES.scalar_subquery()).label("sources"),
    )
    .join_from(offre, commune, _c.code == _o.code_insee, isouter=True)
    .where(_o.statut == "active")
    .order_by(_o.id)
)


NO_FILTERS = Filters()


@dataclass
class ExportSummary:
    """What an export wrote: rows, offers skipped (by French reason, and each one with its
    id, name and reason), values emptied, offers without a street address."""

    written: int = 0
    skipped: Counter = field(default_factory=Counter)
    emptied: Counter = field(default_factory=Counter)
    skipped_offers: list[tuple[int, str, str]] = field(default_factory=list)
    without_street: int = 0

    def line(self) -> str:
        skipped = ", ".join(f"{k} {v}" for k, v in self.skipped.most_common()) or "aucun"
        emptied = ", ".join(f"{k} {v}" for k, v in self.emptied.most_common()) or "aucune"
        return (
            f"{self.written} lieux exportés (dont {self.without_street} sans adresse de voie,"
            f" exportés avec leur commune) ; ignorés : {skipped} ;"
            f" valeurs non conformes retirées : {emptied}"
        )


@cache
def schema_descriptor() -> dict[str, Any]:
    """The national schema, with the `formations_labels` pattern defect patched in memory.

    The shared schema.json is never modified; see ``_FORMATIONS_DEFECT``.
    """
    descriptor = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    for schema_field in descriptor["fields"]:
        constraints = schema_field.get("constraints", {})
        if schema_field["name"] == "formations_labels" and "pattern" in constraints:
            constraints["pattern"] = constraints["pattern"].replace(
                _FORMATIONS_DEFECT, _FORMATIONS_FIXED
            )
    return descriptor


def field_names() -> list[str]:
    """The CSV header: the schema's fields in the schema's order."""
    return [f["name"] for f in schema_descriptor()["fields"]]


@cache
def _constraints() -> dict[str, tuple[re.Pattern[str] | None, int | None, bool]]:
    """Field → (pattern anchored as frictionless does, maxLength, required)."""
    out = {}
    for schema_field in schema_descriptor()["fields"]:
        constraints = schema_field.get("constraints", {})
        pattern = constraints.get("pattern")
        out[schema_field["name"]] = (
            re.compile(f"^{pattern}$") if pattern else None,
            constraints.get("maxLength"),
            bool(constraints.get("required")),
        )
    return out


@cache
def _source_labels() -> dict[str, str]:
    try:  # the source registry imports every source module; export must not depend on them
        from etl.sources import SOURCES
    except ImportError:
        return {}
    return {slug: source.label for slug, source in SOURCES.items()}


def _one_line(value: object) -> str:
    """A single-line text: whitespace runs (newlines included) become one space."""
    return " ".join(str(value).split()) if value is not None else ""


def _multi_line(value: object) -> str:
    return str(value).strip() if value is not None else ""


def _join(values: Iterable[str]) -> str:
    """`|`-joined list; an item that itself holds a `|` cannot be written and is dropped."""
    kept = [_one_line(v) for v in values if v and LIST_SEPARATOR not in v]
    return LIST_SEPARATOR.join(dict.fromkeys(v for v in kept if v))


def _labels(values: Iterable[str] | None, allowed: tuple[str, ...]) -> str:
    """Only the standard's exact labels, in the standard's order."""
    present = set(values or ())
    return LIST_SEPARATOR.join(label for label in allowed if label in present)


def _services(slugs: Iterable[str] | None) -> str:
    """Our service slugs back to the standard's labels (etl.vocab.SERVICES)."""
    present = set(slugs or ())
    return LIST_SEPARATOR.join(label for slug, label in vocab.SERVICES.items() if slug in present)


def _typologies(codes: Iterable[str] | None) -> str:
    return _join(code for code in (codes or ()) if code in vocab.TYPOLOGIES)


def _first_phone(phones: Iterable[str] | None) -> str:
    for phone in phones or ():
        cleaned, _ = clean_phone(phone)
        if cleaned:
            return cleaned
    return ""


def _summary(value: object) -> str:
    summary = csv_export.neutralise(_one_line(value))
    if len(summary) <= SUMMARY_MAX:
        return summary
    return summary[: SUMMARY_MAX - 1].rstrip() + "…"


def _postcode(own: str | None, commune_codes: list[str] | None) -> str:
    if own and re.fullmatch(r"\d{5}", own.strip()):
        return own.strip()
    # the commune's first postcode: a place without its own code gets a valid, near one
    codes = [c for c in (commune_codes or []) if c]
    return codes[0] if codes else ""


def _coordinate(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}".rstrip("0").rstrip(".")


def _source(slugs: list[str] | None) -> str:
    labels = _source_labels()
    names = [labels.get(slug, slug) for slug in (slugs or [])]
    return " ; ".join(dict.fromkeys(names)) or DEFAULT_SOURCE


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


NO_STREET = "Adresse précise inconnue"


def _address(offer: dict[str, Any]) -> tuple[str, str]:
    """(adresse, complement_adresse). Without a street address the schema's required
    ``adresse`` holds the commune's name, and the complement says the address is unknown:
    the place is exported with what is known of it rather than left out."""
    street = _one_line(offer.get("adresse"))
    complement = _one_line(offer.get("complement_adresse"))
    if street:
        return street, complement
    commune = _one_line(offer.get("commune_nom") or offer.get("commune_officielle"))
    return commune, "; ".join(filter(None, [complement, NO_STREET]))


def _details(offer: dict[str, Any], hours_written: bool) -> str:
    """``presentation_detail`` plus what the schema has no field for: the other phones,
    hours known only as text, the appointment, a position at the commune's centre."""
    lines = [_multi_line(offer.get("presentation_detail"))]
    phones = [clean_phone(p)[0] for p in offer.get("telephones") or ()]
    others = list(dict.fromkeys(p for p in phones if p))[1:]
    if others:
        lines.append("Autres téléphones : " + ", ".join(others) + ".")
    text_hours = _one_line(offer.get("horaires_texte"))
    if text_hours and not hours_written:
        lines.append(f"Horaires : {text_hours}")
    if offer.get("prise_rdv") is True:
        lines.append("Accueil sur rendez-vous.")
    if offer.get("geo_precision") == "commune":
        lines.append("Position approximative : centre de la commune.")
    return "\n".join(line for line in lines if line)


def build_row(offer: dict[str, Any]) -> dict[str, str]:
    """The national-schema row of one offer (all values as text; empty = missing)."""
    pivot, _ = clean_pivot(offer.get("pivot"))
    horaires = _one_line(offer.get("horaires"))
    horaires = horaires if validate_osm(horaires) else ""
    adresse, complement = _address(offer)
    row = {
        "id": f"{ID_PREFIX}{offer['id']}",
        "pivot": pivot or UNKNOWN_PIVOT,
        "nom": _one_line(offer.get("nom")),
        "commune": _one_line(offer.get("commune_nom") or offer.get("commune_officielle")),
        "code_postal": _postcode(offer.get("code_postal"), offer.get("commune_codes_postaux")),
        "code_insee": _one_line(offer.get("code_insee")),
        "adresse": adresse,
        "complement_adresse": complement,
        "latitude": _coordinate(offer.get("latitude")),
        "longitude": _coordinate(offer.get("longitude")),
        "typologie": _typologies(offer.get("typologie")),
        "telephone": _first_phone(offer.get("telephones")),
        "courriels": _join(offer.get("courriels") or ()),
        "site_web": _join(offer.get("sites_web") or ()),
        "horaires": horaires,
        "presentation_resume": _summary(offer.get("presentation_resume")),
        "presentation_detail": _details(offer, bool(horaires)),
        "source": _source(offer.get("sources")),
        "structure_parente": "",  # not held by the directory
        "date_maj": _iso(offer.get("date_maj") or offer.get("date_export")),
        "services": _services(offer.get("services")),
        "formations_labels": "",  # not held by the directory
        "autres_formations_labels": "",
        "fiche_acces_libre": _one_line(offer.get("acceslibre_url")),
        "prise_rdv": _one_line(offer.get("prise_rdv_url")),
    }
    for schema_name, (column, allowed) in _VOCABULARY_FIELDS.items():
        row[schema_name] = _labels(offer.get(column), allowed)
    return {name: csv_export.neutralise(row.get(name, "")) for name in field_names()}


def enforce_schema(row: dict[str, str], summary: ExportSummary | None = None) -> str | None:
    """Empty every value breaking its schema constraint; return a French reason if the row
    still misses a required field (the row must then be skipped), else None."""
    for name, (pattern, max_length, _required) in _constraints().items():
        value = row.get(name, "")
        bad_pattern = bool(value) and pattern is not None and not pattern.match(value)
        too_long = bool(value) and max_length is not None and len(value) > max_length
        if bad_pattern or too_long:
            row[name] = ""
            if summary is not None:
                summary.emptied[name] += 1
    missing = [name for name, (_, _, required) in _constraints().items() if required]
    missing = [name for name in missing if not row.get(name)]
    if missing:
        return "champ obligatoire manquant : " + ", ".join(missing)
    return None


def export_rows(
    conn: Connection,
    departement: str | None,
    summary: ExportSummary | None = None,
    filters: Filters = NO_FILTERS,
) -> Iterator[dict[str, str]]:
    """Rows of the active offers (of one département, by their commune's, when given)
    matching the search's ``filters``.

    Offers that cannot make a valid row are skipped and counted in ``summary``.
    """
    offers = _OFFERS.where(filters.clause())
    if departement is not None:
        offers = offers.where(_c.departement == departement)
    result = conn.execute(offers)
    for offer in result.mappings():
        row = build_row(dict(offer))
        reason = enforce_schema(row, summary)
        if reason:
            if summary is not None:
                summary.skipped[reason] += 1
                summary.skipped_offers.append((offer["id"], offer["nom"], reason))
            continue
        if summary is not None:
            summary.written += 1
            summary.without_street += not _one_line(offer.get("adresse"))
        yield row


def write_csv(
    conn: Connection, departement: str | None, out: TextIO, filters: Filters = NO_FILTERS
) -> ExportSummary:
    """Write the national CSV (header + rows) to ``out``; returns what was written.

    Open ``out`` with ``newline=""`` and UTF-8 encoding.
    """
    summary = ExportSummary()
    csv_export.write(out, field_names(), export_rows(conn, departement, summary, filters))
    return summary


def validate_csv(path: str | Path) -> Any:
    """Validate a CSV file against the national schema with frictionless (v5 API).

    Returns the frictionless ``Report`` (``report.valid``, ``report.flatten([...])``).
    The schema is the shared schema.json with its known ``formations_labels`` defect
    patched in memory (missing space in "Étapes numériques (La Poste)"), so that this
    valid label is not reported; the shared file itself is left untouched.
    """
    from frictionless import Resource, Schema

    file_path = Path(path).resolve()
    schema = Schema.from_descriptor(copy.deepcopy(schema_descriptor()))
    # frictionless refuses absolute paths as "unsafe": give the folder as basepath
    resource = Resource(file_path.name, basepath=str(file_path.parent), schema=schema)
    return resource.validate()
