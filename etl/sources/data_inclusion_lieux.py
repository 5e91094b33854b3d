"""data·inclusion export of "lieux de médiation numérique" in the schema v0 shape.

Lists are ``;``-separated v0 labels: services go through data/services-v0-v1.csv,
``modalites_accompagnement`` ("Avec de l'aide : …"), ``conditions_acces`` ("Gratuit : …"),
``publics_accueillis`` and ``labels_nationaux`` ("CNFS" → "Conseillers numériques") are
mapped to the v1 labels. ``id`` is only unique within the inner ``source`` (dora, Hinaura,
siao…), so the record id is ``"<source>:<id>"``. ``fill_v0_fields`` is shared with the
conseillers-numeriques source, which uses the same shape.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from etl.record import OfferRecord
from etl.sources import common, list_fields
from etl.vocab import split_list

SLUG = "data-inclusion-lieux"
LABEL = "data·inclusion : lieux de médiation numérique (schéma v0)"
URL = "https://www.data.gouv.fr/fr/datasets/referentiel-de-loffre-dinsertion-liste-des-structures-et-services-dinsertion/"
FILE_GLOB = "data-inclusion-lieux-*.json"
FORMAT = "json"
REQUIRED_COLUMNS = ("id", "nom", "services", "adresse", "code_postal", "commune")


def read(path: Path) -> Iterator[dict[str, Any]]:
    """Records of the JSON array."""
    return iter(common.read_json_array(path, REQUIRED_COLUMNS))


def source_id(raw: dict[str, Any]) -> str:
    """``"<source>:<id>"`` (ids repeat across inner sources)."""
    identifier = common.text_or_none(raw.get("id"))
    if identifier is None:
        return ""
    inner = common.text_or_none(raw.get("source"))
    return f"{inner}:{identifier}" if inner else identifier


def fill_v0_fields(record: OfferRecord, raw: dict[str, Any], separators: str = ";") -> None:
    """Fill an OfferRecord from the fields shared by v0-shaped sources."""
    common.set_pivot(record, raw.get("pivot"))
    common.set_address(record, raw.get("adresse"), raw.get("complement_adresse"))
    common.set_commune(record, raw.get("code_postal"), raw.get("commune"), raw.get("code_insee"))
    common.set_coordinates(record, raw.get("latitude"), raw.get("longitude"))
    common.add_phones(record, raw.get("telephone"))
    common.add_emails(record, raw.get("courriel"))
    common.add_urls(record, raw.get("site_web"))
    common.set_osm_or_text_hours(record, raw.get("horaires"))
    common.set_text(record, "presentation_resume", raw.get("presentation_resume"))
    common.set_text(record, "presentation_detail", raw.get("presentation_detail"), keep_lines=True)
    common.set_date(record, raw.get("date_maj"))
    common.set_url(record, "prise_rdv_url", raw.get("prise_rdv"))
    if record.prise_rdv_url:
        record.prise_rdv = True
        list_fields.add_modalites_acces(record, ["Prendre un RDV en ligne"])

    list_fields.add_services(record, split_list(raw.get("services"), separators))
    list_fields.add_typologies(record, split_list(raw.get("typologie"), "|;,"))
    list_fields.add_programmes(record, split_list(raw.get("labels_nationaux"), "|;,"))
    list_fields.add_modalites_accompagnement(
        record, split_list(raw.get("modalites_accompagnement"), ";|")
    )
    conditions = raw.get("conditions_acces", raw.get("conditions_access"))
    list_fields.add_frais(record, split_list(conditions, ";|"))
    list_fields.add_publics(record, split_list(raw.get("publics_accueillis"), ";|"))


def map_record(raw: dict[str, Any]) -> OfferRecord:
    """One v0 record → OfferRecord (Reject when unusable)."""
    record = common.new_record(SLUG, source_id(raw), raw.get("nom"), raw)
    fill_v0_fields(record, raw)
    common.require_location(record)
    return record
