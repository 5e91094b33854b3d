"""The common model every source mapper produces (pure data, no database).

A reader yields raw records (dicts as received); a mapper turns one raw record into an
``OfferRecord`` or raises ``Reject`` with a French reason. Field names follow the national
"lieux de médiation numérique" schema v1.0.2; list fields hold the standard's exact labels,
except ``services`` which holds our slugs (see ``etl/vocab.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


class Reject(Exception):
    """A record that cannot be used; ``reason`` is a short French sentence."""

    def __init__(self, reason: str, code: str = "invalide"):
        super().__init__(reason)
        self.reason = reason
        self.code = code


class BadFile(Exception):
    """A whole file that cannot be read (empty, truncated JSON, wrong encoding…)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class PermanenceRecord:
    """One stop of an itinerant offer (a bus, a mediator visiting mairies)."""

    commune_nom: str | None = None
    code_insee: str | None = None
    lieu: str | None = None  # e.g. "Mairie"
    adresse: str | None = None
    horaires: str | None = None  # OSM opening_hours, e.g. "Tu[2] 09:00-12:00"
    texte_original: str | None = None  # the sentence it was extracted from
    extraite: bool = False  # True when extracted from free text
    latitude: float | None = None
    longitude: float | None = None


@dataclass
class OfferRecord:
    source: str
    source_id: str
    nom: str
    pivot: str | None = None  # SIRET (14 digits) or RNA (W + 9 digits)
    typologie: list[str] = field(default_factory=list)
    adresse: str | None = None
    complement_adresse: str | None = None
    code_postal: str | None = None
    commune: str | None = None  # commune name as given by the source
    code_insee: str | None = None
    departement: str | None = None  # a département the source states (a hint, e.g. insee_dep)
    latitude: float | None = None
    longitude: float | None = None
    # precision of the source's own coordinates when known: "adresse", "rue", "commune"
    precision_source: str | None = None
    telephones: list[str] = field(default_factory=list)
    courriels: list[str] = field(default_factory=list)
    sites_web: list[str] = field(default_factory=list)
    horaires: str | None = None  # valid OSM opening_hours, or None
    horaires_texte: str | None = None  # the source's text when it could not be parsed
    services: list[str] = field(default_factory=list)  # our 9 slugs
    services_source: list[str] = field(default_factory=list)  # the source's own labels
    publics: list[str] = field(default_factory=list)
    prise_en_charge: list[str] = field(default_factory=list)
    frais: list[str] = field(default_factory=list)
    modalites_acces: list[str] = field(default_factory=list)
    modalites_accompagnement: list[str] = field(default_factory=list)
    programmes: list[str] = field(default_factory=list)  # dispositif_programmes_nationaux
    itinerance: list[str] = field(default_factory=list)  # "Itinérant" / "Fixe"
    acceslibre_url: str | None = None
    prise_rdv_url: str | None = None
    prise_rdv: bool | None = None
    presentation_resume: str | None = None
    presentation_detail: str | None = None
    commentaire: str | None = None  # free text kept as is (e.g. France Services)
    date_maj: date | None = None
    permanences: list[PermanenceRecord] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)  # the record exactly as received
    fixes: list[str] = field(default_factory=list)  # codes of fixed defects, for counting
