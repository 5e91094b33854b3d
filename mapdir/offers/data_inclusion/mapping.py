"""One offer → one data·inclusion structure and its services (pure functions, no database).

Granularity (docs/data-inclusion.md): one structure per active offer; one service for what
the offer does at its own place, plus one service per active permanence (the stop is
another place with its own hours, which data·inclusion's service holds). The offer's
national services become the service's ``thematiques`` rather than one service each: the
directory knows hours, fees, publics and ways in for the place, not per service, and
data·inclusion's own import of the national "lieux de médiation numérique" makes the same
choice. Vocabulary values go through the reviewed table ``data/data-inclusion-v1.csv``;
whatever the directory does not know stays ``None`` (never a default guessed for it).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

from mapdir.config import PROJECT_ROOT
from mapdir.hours.evaluate import parse_hours
from mapdir.offers import vocab

MAPPING_CSV = PROJECT_ROOT / "data" / "data-inclusion-v1.csv"
SOURCE = "mapdir"
NAME_MAX = 150
NAME_MIN = 3
DESCRIPTION_MIN = 5
#: a service has one type: the first of these that the offer's ways of helping give
TYPE_PRIORITY = ("accompagnement", "atelier", "aide-materielle")
_SIRET = re.compile(r"\d{14}")
_POSTCODE = re.compile(r"\d{5}")
_NO_PUBLIC = "Ce lieu n'accueille pas de public"


@dataclass
class Skipped:
    """An offer that cannot make a valid record, and the French reason why."""

    offre_id: int
    nom: str
    motif: str


@dataclass
class Summary:
    """What an export wrote, what it left out (with reasons) and what it shortened."""

    structures: int = 0
    services: int = 0
    ignores: list[Skipped] = field(default_factory=list)
    raccourcis: int = 0

    def line(self) -> str:
        shortened = f" ; noms raccourcis à {NAME_MAX} caractères : {self.raccourcis}"
        return (
            f"{self.structures} structures et {self.services} services exportés ;"
            f" offres ignorées : {len(self.ignores)}" + (shortened if self.raccourcis else "")
        )


@cache
def mapping_table() -> dict[tuple[str, str], dict[str, tuple[str, ...]]]:
    """(our field, our value) → {data·inclusion field: its values} from the reviewed CSV
    (a row with an empty target says, on purpose, that nothing corresponds)."""
    table: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {}
    with MAPPING_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            targets = table.setdefault((row["champ_mapdir"], row["valeur_mapdir"]), {})
            values = targets.setdefault(row["champ_data_inclusion"], ())
            if row["valeur_data_inclusion"]:
                targets[row["champ_data_inclusion"]] = values + (row["valeur_data_inclusion"],)
    return table


def mapped(ours: str, values: Iterable[str] | None, theirs: str) -> list[str]:
    """data·inclusion values of our ``values`` of field ``ours`` (in table order, no
    duplicates); values absent from the table map to nothing."""
    table = mapping_table()
    out: dict[str, None] = {}
    for value in values or ():
        for target in table.get((ours, value), {}).get(theirs, ()):
            out[target] = None
    return list(out)


def structure_id(offer_id: int) -> str:
    return f"{SOURCE}--{offer_id}"


def _text(value: object) -> str | None:
    """One line of text, or None when empty."""
    text = " ".join(str(value).split()) if value is not None else ""
    return text or None


def _long_text(value: object, minimum: int = DESCRIPTION_MIN) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text if len(text) >= minimum else None


def _first(values: Iterable[str] | None) -> str | None:
    return next((v for v in values or () if v), None)


def _name(value: str, summary: Summary | None) -> str:
    """At most NAME_MAX characters, cut at a word with an ellipsis (counted)."""
    if len(value) <= NAME_MAX:
        return value
    if summary is not None:
        summary.raccourcis += 1
    cut = value[: NAME_MAX - 1].rsplit(" ", 1)[0].rstrip(" ,;:-")
    return cut + "…"


def _hours(expression: str | None) -> str | None:
    """OSM opening hours the project's evaluator reads, else None (text hours are not OSM)."""
    text = _text(expression)
    return text if text and parse_hours(text) is not None else None


def _date_maj(offer: Mapping[str, Any]) -> str:
    """The freshest date someone vouched for the listing (the source's update date, an
    animator's confirmation); neither known: the day our record last changed."""
    known = [d for d in (offer.get("date_maj"), offer.get("confirmed_at")) if d is not None]
    day = max(_as_date(d) for d in known) if known else _as_date(offer["updated_at"])
    return day.isoformat()


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _link(base_url: str | None, offer_id: int) -> str | None:
    return f"{base_url.rstrip('/')}/offres/{offer_id}" if base_url else None


def _coordinates(place: Mapping[str, Any], exact: bool) -> tuple[float | None, float | None]:
    """(latitude, longitude) of a precisely placed point; None for a commune's centre."""
    if not exact or place.get("lat") is None or place.get("lon") is None:
        return None, None
    return round(float(place["lat"]), 6), round(float(place["lon"]), 6)


def _address(place: Mapping[str, Any], exact: bool) -> dict[str, Any]:
    postcode = _text(place.get("code_postal"))
    latitude, longitude = _coordinates(place, exact)
    return {
        "adresse": _text(place.get("adresse")),
        "complement_adresse": _text(place.get("complement_adresse")),
        "code_postal": postcode if postcode and _POSTCODE.fullmatch(postcode) else None,
        "code_insee": _text(place.get("code_insee")),
        "commune": _text(place.get("commune_nom") or place.get("commune_officielle")),
        "latitude": latitude,
        "longitude": longitude,
    }


def skip_reason(offer: Mapping[str, Any]) -> str | None:
    """Why this offer cannot be a valid data·inclusion record, in French (else None)."""
    name = _text(offer.get("nom")) or ""
    if len(name) < NAME_MIN:
        return f"nom de moins de {NAME_MIN} caractères (« {name} »), refusé par le schéma"
    return None


def build_structure(
    offer: Mapping[str, Any], base_url: str | None = None, summary: Summary | None = None
) -> dict[str, Any]:
    """The data·inclusion structure of an offer (every schema field present; None =
    unknown)."""
    pivot = _text(offer.get("pivot"))
    networks = mapped("typologie", offer.get("typologie"), "reseaux_porteurs")
    networks += mapped("programmes", offer.get("programmes"), "reseaux_porteurs")
    address = _address(offer, offer.get("geo_precision") != "commune")
    return {
        "source": SOURCE,
        "id": structure_id(offer["id"]),
        "nom": _name(_text(offer["nom"]) or "", summary),
        "date_maj": _date_maj(offer),
        "lien_source": _link(base_url, offer["id"]),
        "siret": pivot if pivot and _SIRET.fullmatch(pivot) else None,
        "telephone": _first(offer.get("telephones")),
        "courriel": _first(offer.get("courriels")),
        "site_web": _first(offer.get("sites_web")),
        "description": _long_text(offer.get("presentation_detail"))
        or _long_text(offer.get("presentation_resume")),
        "horaires_accueil": _hours(offer.get("horaires")),
        "accessibilite_lieu": _text(offer.get("acceslibre_url")),
        "reseaux_porteurs": sorted(set(networks)) or None,
        **address,
    }


def _service_label(slugs: Iterable[str] | None) -> str:
    labels = [vocab.SERVICES[s] for s in vocab.SERVICES if s in set(slugs or ())]
    if len(labels) == 1:
        return labels[0]
    return "Médiation numérique"


def _description(offer: Mapping[str, Any]) -> str:
    """The offer's presentation, else what it offers in the standard's words."""
    own = _long_text(offer.get("presentation_detail")) or _long_text(
        offer.get("presentation_resume")
    )
    if own:
        return own
    labels = [vocab.SERVICES[s] for s in vocab.SERVICES if s in set(offer.get("services") or ())]
    if labels:
        return "Services proposés : " + " ; ".join(labels) + "."
    return f"{_text(offer['nom'])} : services non précisés par les sources."


def _frais(labels: list[str]) -> tuple[str | None, str | None]:
    """(frais, frais_precisions): one category only when the labels agree."""
    values = set(mapped("frais", labels, "frais"))
    frais = values.pop() if len(values) == 1 else None
    precise = frais is None or any(label not in ("Gratuit", "Payant") for label in labels)
    return frais, (", ".join(labels) if labels and precise else None)


def _publics(offer: Mapping[str, Any]) -> tuple[list[str] | None, str | None]:
    labels = list(offer.get("publics") or ()) + list(offer.get("prise_en_charge") or ())
    values = mapped("publics", offer.get("publics"), "publics")
    values += mapped("prise_en_charge", offer.get("prise_en_charge"), "publics")
    precisions = ", ".join(labels) if labels else None
    return (list(dict.fromkeys(values)) or None), precisions


def _modes_accueil(offer: Mapping[str, Any], at_a_stop: bool) -> list[str] | None:
    modes = mapped("modalites_acces", offer.get("modalites_acces"), "modes_accueil")
    modes += mapped(
        "modalites_accompagnement", offer.get("modalites_accompagnement"), "modes_accueil"
    )
    if at_a_stop:  # a permanence is someone at a place on given days
        modes.append("en-presentiel")
    if _NO_PUBLIC in (offer.get("modalites_acces") or ()):
        modes = [m for m in modes if m != "en-presentiel"]
    return sorted(set(modes)) or None


def _modes_mobilisation(offer: Mapping[str, Any]) -> list[str] | None:
    modes = mapped("modalites_acces", offer.get("modalites_acces"), "modes_mobilisation")
    if not offer.get("prise_rdv_url"):  # the mode needs its link
        modes = [m for m in modes if m != "utiliser-lien-mobilisation"]
    return sorted(set(modes)) or None


def _service(
    offer: Mapping[str, Any],
    service_id: str,
    name: str,
    description: str,
    place: dict[str, Any],
    hours: str | None,
    at_a_stop: bool,
    base_url: str | None,
) -> dict[str, Any]:
    types = mapped("modalites_accompagnement", offer.get("modalites_accompagnement"), "type")
    frais, frais_precisions = _frais(list(offer.get("frais") or ()))
    publics, publics_precisions = _publics(offer)
    return {
        "source": SOURCE,
        "id": service_id,
        "structure_id": structure_id(offer["id"]),
        "nom": name,
        "description": description,
        "date_maj": _date_maj(offer),
        "lien_source": _link(base_url, offer["id"]),
        "type": next((t for t in TYPE_PRIORITY if t in types), None),
        "thematiques": mapped("services", offer.get("services"), "thematiques") or None,
        "frais": frais,
        "frais_precisions": frais_precisions,
        "publics": publics,
        "publics_precisions": publics_precisions,
        "conditions_acces": None,
        "telephone": _first(offer.get("telephones")),
        "courriel": _first(offer.get("courriels")),
        "contact_nom_prenom": None,
        "modes_accueil": _modes_accueil(offer, at_a_stop),
        "modes_mobilisation": _modes_mobilisation(offer),
        "lien_mobilisation": _text(offer.get("prise_rdv_url")),
        "mobilisable_par": None,
        "mobilisation_precisions": None,
        "zone_eligibilite": None,
        "volume_horaire_hebdomadaire": None,
        "nombre_semaines": None,
        "horaires_accueil": hours,
        **place,
    }


def build_services(
    offer: Mapping[str, Any],
    permanences: Iterable[Mapping[str, Any]] = (),
    base_url: str | None = None,
    summary: Summary | None = None,
) -> list[dict[str, Any]]:
    """The offer's service at its own place, then one per active permanence."""
    out = [
        _service(
            offer,
            structure_id(offer["id"]),
            _service_label(offer.get("services")),
            _description(offer),
            _address(offer, offer.get("geo_precision") != "commune"),
            _hours(offer.get("horaires")),
            False,
            base_url,
        )
    ]
    for stop in permanences:
        where = ", ".join(v for v in (_text(stop.get("commune_nom")), _text(stop.get("lieu"))) if v)
        name = _name(f"Permanence à {where or 'une adresse non précisée'}", summary)
        description = f"Permanence de « {_text(offer['nom'])} »" + (
            f" à {where}." if where else "."
        )
        # a stop without its own street address is placed at its commune: no coordinates
        place = _address(stop, exact=bool(_text(stop.get("adresse"))))
        out.append(
            _service(
                offer,
                f"{structure_id(offer['id'])}--permanence-{stop['id']}",
                name,
                description,
                place,
                _hours(stop.get("horaires")),
                True,
                base_url,
            )
        )
    return out
