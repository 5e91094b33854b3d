"""Permanences of the Conseillers numériques France Services programme (v0-like JSON).

Two files share this shape: the national permanences export (2022-12, ``;``-separated
lists, ``structureId``, ``nb_aidants``) and an Île-de-France extract (2022-08, lists
separated by ``, ``). There is no ``code_insee``: it stays None and the loader resolves it
from the postcode and the commune name. Every record gets the programme "Conseillers
numériques"; ``conditions_access`` "Gratuit : …" gives the fee "Gratuit".
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from etl.record import OfferRecord
from etl.sources import common, list_fields
from etl.sources.data_inclusion_lieux import fill_v0_fields

SLUG = "conseillers-numeriques"
LABEL = "Conseillers numériques France Services : permanences"
URL = "https://api.conseiller-numerique.gouv.fr/permanences"
FILE_GLOB = "conseillers-numeriques-*.json"
FORMAT = "json"
REQUIRED_COLUMNS = ("id", "nom", "adresse", "code_postal", "commune")


def read(path: Path) -> Iterator[dict[str, Any]]:
    """Records of the JSON array."""
    return iter(common.read_json_array(path, REQUIRED_COLUMNS))


def source_id(raw: dict[str, Any]) -> str:
    """The permanence id (a MongoDB ObjectId)."""
    return str(raw.get("id") or "").strip()


def map_record(raw: dict[str, Any]) -> OfferRecord:
    """One permanence → OfferRecord (Reject when unusable)."""
    record = common.new_record(SLUG, source_id(raw), raw.get("nom"), raw)
    fill_v0_fields(record, raw, separators=";,")
    list_fields.add_programmes(record, ["Conseillers numériques"])
    common.require_location(record)
    return record
