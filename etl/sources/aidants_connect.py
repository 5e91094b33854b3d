"""Structures habilitated for Aidants Connect (JSON export).

No coordinates and no INSEE code: the postcode (an integer that lost its leading zero,
e.g. 8000) is repaired to 5 digits and the commune name, when the address ends with
"<postcode> <commune>", is taken from there; geocoding happens later. Numbers use a narrow
no-break space as thousands separator ("22 740 001 700 074"). "Data pass ID" is the id;
12 rows have none (then SIRET + name), and the Corsican structures appear twice (once per
Corsican département) with the same id: ``read`` keeps the row whose département matches
the postcode.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from etl.record import OfferRecord
from etl.sources import common

SLUG = "aidants-connect"
LABEL = "Aidants Connect : structures habilitées"
URL = "https://aidantsconnect.beta.gouv.fr/"
FILE_GLOB = "aidants-connect-structures-*.json"
FORMAT = "json"
REQUIRED_COLUMNS = ("Name", "SIRET", "Adresse", "Code postal")


def _digits(value: object) -> str:
    return re.sub(r"\D", "", str(value or ""))


def source_id(raw: dict[str, Any]) -> str:
    """Digits of "Data pass ID"; without it, SIRET digits + a hash of the name."""
    datapass = _digits(raw.get("Data pass ID"))
    if datapass:
        return datapass
    name = common.text_or_none(raw.get("Name"))
    if name is None:
        return ""
    return f"siret-{_digits(raw.get('SIRET')) or 'inconnu'}-{common.stable_hash(name)}"


def _corsica_rank(raw: dict[str, Any]) -> int:
    """0 when the row's département matches its Corsican postcode, else 1."""
    postcode = _digits(raw.get("Code postal")).zfill(5)
    expected = "Corse-du-Sud" if postcode[:3] in {"200", "201"} else "Haute-Corse"
    return 0 if raw.get("Département") == expected else 1


def read(path: Path) -> Iterator[dict[str, Any]]:
    """Records of the JSON array, one per structure (duplicate ids collapsed)."""
    rows = common.read_json_array(path, REQUIRED_COLUMNS)
    kept: dict[str, dict[str, Any]] = {}
    for index, row in enumerate(rows):
        key = source_id(row) or f"ligne-{index}"
        if key not in kept or _corsica_rank(row) < _corsica_rank(kept[key]):
            kept[key] = row
    return iter(kept.values())


def map_record(raw: dict[str, Any]) -> OfferRecord:
    """One structure → OfferRecord (Reject when unusable)."""
    record = common.new_record(SLUG, source_id(raw), raw.get("Name"), raw)
    common.set_pivot(record, raw.get("SIRET"))
    common.set_commune(record, raw.get("Code postal"), raw.get("commune"), None)
    common.set_address(record, raw.get("Adresse"))
    common.split_commune_from_address(record)
    common.set_date(record, raw.get("date_maj"))
    record.programmes = ["Aidants Connect"]
    # Aidants Connect lets a habilitated helper do online procedures on someone's behalf.
    record.services = ["demarches-administratives"]
    record.modalites_accompagnement = ["Accompagnement individuel"]
    common.require_location(record)
    return record
