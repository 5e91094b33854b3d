"""Files in the national "lieux de médiation numérique" schema v1 (LaMednum / ANCT).

Reads the v1 CSV (``,``-separated, ``|`` inside list fields, as in the schema's
exemple-valide.csv) and JSON arrays of the same records (charente-lieux-2023-07.json, which
also uses a few v0 names: ``labels_nationaux``, ``accessibilite``, ``courriel``,
``publics_accueillis``). List fields accept ``|`` and ``;``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from etl.record import OfferRecord
from etl.sources import common, list_fields
from etl.vocab import split_list

SLUG = "mednum-v1"
LABEL = "Lieux de médiation numérique (schéma national v1)"
URL = "https://cartographie.societenumerique.gouv.fr/"
FILE_GLOB = "charente-lieux-*"
FORMAT = "csv|json"
REQUIRED_COLUMNS = ("id", "nom", "adresse", "code_postal", "commune")


def read(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a v1 CSV or JSON file (chosen by the file extension)."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return iter(common.read_csv_rows(path, REQUIRED_COLUMNS))
    return iter(common.read_json_array(path, REQUIRED_COLUMNS))


def source_id(raw: dict[str, Any]) -> str:
    """The producer's ``id``."""
    return str(raw.get("id") or "").strip()


def _first(raw: dict[str, Any], *names: str) -> Any:
    for name in names:
        if raw.get(name) not in (None, ""):
            return raw[name]
    return None


def map_record(raw: dict[str, Any]) -> OfferRecord:
    """One v1 record → OfferRecord (Reject when unusable)."""
    record = common.new_record(SLUG, source_id(raw), raw.get("nom"), raw)
    common.set_pivot(record, raw.get("pivot"))
    common.set_address(record, raw.get("adresse"), raw.get("complement_adresse"))
    common.set_commune(record, raw.get("code_postal"), raw.get("commune"), raw.get("code_insee"))
    common.set_coordinates(record, raw.get("latitude"), raw.get("longitude"))
    common.add_phones(record, *split_list(raw.get("telephone")))
    common.add_emails(record, _first(raw, "courriels", "courriel"))
    common.add_urls(record, raw.get("site_web"))
    common.set_osm_or_text_hours(record, raw.get("horaires"))
    common.set_text(record, "presentation_resume", raw.get("presentation_resume"))
    common.set_text(record, "presentation_detail", raw.get("presentation_detail"), keep_lines=True)
    common.set_date(record, raw.get("date_maj"))
    common.set_url(record, "acceslibre_url", _first(raw, "fiche_acces_libre", "accessibilite"))
    common.set_url(record, "prise_rdv_url", raw.get("prise_rdv"))
    if record.prise_rdv_url:
        record.prise_rdv = True

    list_fields.add_typologies(record, split_list(raw.get("typologie")))
    list_fields.add_services(record, split_list(raw.get("services")))
    list_fields.add_publics(
        record, split_list(_first(raw, "publics_specifiquement_adresses", "publics_accueillis"))
    )
    list_fields.add_prise_en_charge(record, split_list(raw.get("prise_en_charge_specifique")))
    list_fields.add_frais(record, split_list(raw.get("frais_a_charge")))
    list_fields.add_programmes(
        record, split_list(_first(raw, "dispositif_programmes_nationaux", "labels_nationaux"))
    )
    list_fields.add_modalites_acces(record, split_list(raw.get("modalites_acces")))
    list_fields.add_modalites_accompagnement(
        record, split_list(raw.get("modalites_accompagnement"))
    )
    list_fields.add_itinerance(record, split_list(raw.get("itinerance")))
    common.require_location(record)
    return record
