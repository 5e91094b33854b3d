"""France Services (ANCT, data.gouv.fr): read the CSV and map a row to an OfferRecord.

Both snapshots work: 2022-12 (``itinerance`` Oui/Non, ``format_fs`` Site principal/Antenne,
no ``prise_rdv``) and 2024-08 (``type_fs``, ``format_fs`` Fixe/Multisites/Bus_équivalent/
Fixe_antenne(s)/Itinérante, ``prise_rdv``).

What every France Services offers, by its national charter, is set on every record:
programme "France Services", fees "Gratuit", typology "RFS", services
``demarches-administratives`` (its core mission) and ``acces-internet-materiel`` (the charter
requires computers with internet access, printer and scanner in free access), with
one-to-one support ("Accompagnement individuel").
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from unidecode import unidecode

from etl.hours import fs_days_to_osm
from etl.record import OfferRecord
from etl.sources import common
from mapdir.hours.osm import FRENCH_DAYS

SLUG = "france-services"
LABEL = "France Services (ANCT)"
URL = "https://www.data.gouv.fr/fr/datasets/liste-des-structures-france-services/"
FILE_GLOB = "france-services-*.csv"
FORMAT = "csv"
REQUIRED_COLUMNS = ("id_fs", "lib_fs", "adresse", "code_postal", "lib_com", "latitude", "longitude")
DAY_COLUMNS = tuple(f"h_{day}" for day in FRENCH_DAYS[:6])
ITINERANT_FORMATS = {"itinerante", "bus_equivalent", "bus"}


def read(path: Path) -> Iterator[dict[str, Any]]:
    """Rows of a France Services CSV (``,``-separated, quoted, fields may span lines)."""
    return iter(common.read_csv_rows(path, REQUIRED_COLUMNS))


def source_id(raw: dict[str, Any]) -> str:
    """The ANCT identifier ``id_fs``."""
    return str(raw.get("id_fs") or "").strip()


def _is_itinerant(raw: dict[str, Any]) -> bool:
    format_fs = unidecode(str(raw.get("format_fs") or "")).strip().lower()
    return format_fs in ITINERANT_FORMATS or str(raw.get("itinerance", "")).strip() == "Oui"


def _hours_text(raw: dict[str, Any]) -> str:
    parts = []
    for column in DAY_COLUMNS:
        value = " ".join(str(raw.get(column) or "").split())
        if value and value != "-":
            parts.append(f"{column.removeprefix('h_')} : {value}")
    return " ; ".join(parts)


def map_record(raw: dict[str, Any]) -> OfferRecord:
    """One France Services row → OfferRecord (Reject when unusable)."""
    record = common.new_record(SLUG, source_id(raw), raw.get("lib_fs"), raw)
    common.set_address(record, raw.get("adresse"), raw.get("complement_adresse"))
    common.set_commune(record, raw.get("code_postal"), raw.get("lib_com"), raw.get("insee_com"))
    common.set_coordinates(record, raw.get("latitude"), raw.get("longitude"))
    record.departement = common.text_or_none(raw.get("insee_dep"))
    common.add_phones(record, raw.get("telephone"))
    common.add_emails(record, raw.get("mail"))

    record.horaires = fs_days_to_osm({c: raw.get(c) for c in DAY_COLUMNS})
    if record.horaires is None:
        text = _hours_text(raw)
        if text:
            record.horaires_texte = text
            record.fixes.append("horaires_non_reconnus")

    prise_rdv = str(raw.get("prise_rdv") or "").strip().lower()
    record.prise_rdv = {"oui": True, "non": False}.get(prise_rdv)
    common.set_text(record, "commentaire", raw.get("commentaire"), keep_lines=True)

    record.programmes = ["France Services"]
    record.frais = ["Gratuit"]
    record.typologie = ["RFS"]
    record.services = ["demarches-administratives", "acces-internet-materiel"]
    record.modalites_accompagnement = ["Accompagnement individuel"]
    record.itinerance = ["Itinérant"] if _is_itinerant(raw) else ["Fixe"]
    common.require_location(record)
    return record
