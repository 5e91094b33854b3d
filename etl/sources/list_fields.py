"""Fill the vocabulary list fields of an OfferRecord from a source's labels.

Each function maps labels through ``etl.vocab``, stores the standard values, keeps the
source's own service labels in ``services_source`` and counts labels it could not map as a
fix (``<field>_inconnu``) so that unmapped vocabulary shows up in the import report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from etl import vocab
from etl.record import OfferRecord
from etl.sources.common import unique


def _note_unknown(record: OfferRecord, unknown: list[str], field: str) -> None:
    if unknown:
        record.fixes.append(f"{field}_inconnu")


def add_services(record: OfferRecord, labels: Iterable[str]) -> None:
    """Services (v0 or v1 labels or slugs) → slugs; the labels go to ``services_source``."""
    labels = list(labels)
    slugs, unknown = vocab.service_slugs_from_labels(labels)
    record.services = [s for s in vocab.SERVICES if s in set(record.services) | set(slugs)]
    record.services_source = unique([*record.services_source, *labels])
    _note_unknown(record, unknown, "service")


def add_programmes(record: OfferRecord, labels: Iterable[str]) -> None:
    """National programmes ("CNFS", "France Services", "Aidants Connect"…)."""
    found, unknown = vocab.programmes_from_labels(labels)
    record.programmes = [p for p in vocab.PROGRAMMES if p in set(record.programmes) | set(found)]
    _note_unknown(record, unknown, "programme")


def add_publics(record: OfferRecord, labels: Iterable[str]) -> None:
    """Publics and specific support (v0 ``publics_accueillis`` mixes both)."""
    publics, support, unknown = vocab.publics_from_labels(labels)
    _merge_labels(record, "publics", publics, vocab.PUBLICS)
    _merge_labels(record, "prise_en_charge", support, vocab.PRISE_EN_CHARGE)
    _note_unknown(record, unknown, "public")


def _merge_labels(
    record: OfferRecord, field: str, found: Iterable[str], order: Iterable[str]
) -> None:
    """Add ``found`` to a list field, kept in the standard's order without duplicates."""
    merged = set(getattr(record, field)) | set(found)
    setattr(record, field, [value for value in order if value in merged])


def _labels_to(field: str, from_labels: Callable, order: Iterable[str], unknown_as: str):
    """``add(record, labels)``: ``from_labels(labels)`` → (found, unknown); the found values
    are merged into ``field`` in ``order``, unknown labels noted as ``<unknown_as>_inconnu``."""

    def add(record: OfferRecord, labels: Iterable[str]) -> None:
        found, unknown = from_labels(labels)
        _merge_labels(record, field, found, order)
        _note_unknown(record, unknown, unknown_as)

    return add


#: specific support (v1 ``prise_en_charge_specifique``)
add_prise_en_charge = _labels_to(
    "prise_en_charge", vocab.prise_en_charge_from_labels, vocab.PRISE_EN_CHARGE, "prise_en_charge"
)
#: fees ("Gratuit : Je peux accéder…" → "Gratuit")
add_frais = _labels_to("frais", vocab.frais_from_labels, vocab.FRAIS, "frais")
#: support modes (v1 labels or v0 "Avec de l'aide : …")
add_modalites_accompagnement = _labels_to(
    "modalites_accompagnement",
    vocab.modalites_accompagnement_from_labels,
    vocab.MODALITES_ACCOMPAGNEMENT,
    "modalite_accompagnement",
)
#: access modes
add_modalites_acces = _labels_to(
    "modalites_acces", vocab.modalites_acces_from_labels, vocab.MODALITES_ACCES, "modalite_acces"
)
#: "Itinérant" / "Fixe"
add_itinerance = _labels_to(
    "itinerance", vocab.itinerance_from_labels, vocab.ITINERANCE, "itinerance"
)


def add_typologies(record: OfferRecord, codes: Iterable[str]) -> None:
    """data·inclusion typology codes."""
    found, unknown = vocab.typologies_from_codes(codes)
    record.typologie = unique([*record.typologie, *found])
    _note_unknown(record, unknown, "typologie")
