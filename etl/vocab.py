"""Source labels → the national vocabularies (mapdir.offers.vocab, re-exported here).

The ``*_from_labels`` functions map what a
source wrote (v1 labels, v0 labels, abbreviations such as "CNFS") to those labels,
tolerant of case, accents, apostrophes and spacing; each returns the mapped values (in the
vocabulary's order, without duplicates) and the labels it did not recognise.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from functools import cache, lru_cache
from pathlib import Path

from unidecode import unidecode

from mapdir.offers.vocab import (  # noqa: F401 - the vocabularies are re-exported
    FRAIS,
    ITINERANCE,
    MODALITES_ACCES,
    MODALITES_ACCOMPAGNEMENT,
    PRISE_EN_CHARGE,
    PROGRAMMES,
    PUBLICS,
    SERVICES,
    TYPOLOGIES,
)

SERVICES_V0_V1_CSV = Path(__file__).parents[1] / "data" / "services-v0-v1.csv"

# Source labels → standard labels. An empty tuple means "known, no standard equivalent".
PROGRAMME_ALIASES: dict[str, tuple[str, ...]] = {
    "CNFS": ("Conseillers numériques",),
    "Conseiller numérique": ("Conseillers numériques",),
    "Conseillers numériques France Services": ("Conseillers numériques",),
    "France services": ("France Services",),
    "France Service": ("France Services",),
    "Maison France Services": ("France Services",),
    "AC": ("Aidants Connect",),
    "Aidant Connect": ("Aidants Connect",),
    "PIX": ("Certification PIX",),
    "Croix-Rouge": ("La Croix Rouge",),
    "Croix Rouge": ("La Croix Rouge",),
    "Croix-Rouge française": ("La Croix Rouge",),
    "Grande École du Numérique": ("Grande école du numérique",),
    "GEN": ("Grande école du numérique",),
    "BNR": ("Bibliothèques numérique de référence",),
    "Bibliothèques numériques de référence": ("Bibliothèques numérique de référence",),
    "PAN CAF": ("Point d'accès numérique CAF",),
    "Relais numérique": ("Relais numérique (Emmaüs Connect)",),
}
PUBLIC_ALIASES: dict[str, tuple[str, ...]] = {
    "Jeunes (16-26 ans)": ("Jeunes",),
    "Seniors (+ 65 ans)": ("Seniors",),
    "Familles/enfants": ("Familles et/ou enfants",),
    "Familles": ("Familles et/ou enfants",),
    "Adultes": (),
    "Tout public": (),
}
# v0 `publics_accueillis` mixes publics and specific support; these go to prise_en_charge.
PRISE_EN_CHARGE_ALIASES: dict[str, tuple[str, ...]] = {
    "Handicaps mentaux": ("Handicaps mentaux",),
    # v1 has no "psychiques" entry; "Handicaps mentaux" is the nearest standard label.
    "Handicaps psychiques": ("Handicaps mentaux",),
    "Personnes en situation d'illettrisme": ("Illettrisme",),
    "Public langues étrangères": ("Langues étrangères (autres)",),
    "Langues étrangères": ("Langues étrangères (autres)",),
}
FRAIS_ALIASES: dict[str, tuple[str, ...]] = {
    "Adhésion": ("Payant",),  # v0 "Adhésion": access needs a (paid) membership
}
# v0 labels read "Avec de l'aide : je suis accompagné…": the part before " : " is the key.
MODALITES_ACCOMPAGNEMENT_ALIASES: dict[str, tuple[str, ...]] = {
    "Avec de l'aide": ("Accompagnement individuel",),
    "Dans un atelier": ("Dans un atelier collectif",),
    "Seul": ("En autonomie",),
    # "A ma place" (a habilitated person acts for the user): one-to-one support in v1.
    "A ma place": ("Accompagnement individuel",),
    "A distance": ("À distance",),
}
MODALITES_ACCES_ALIASES: dict[str, tuple[str, ...]] = {
    "Accès libre": ("Se présenter",),
    "Sur rendez-vous": (),
}
ITINERANCE_ALIASES: dict[str, tuple[str, ...]] = {"Itinérante": ("Itinérant",)}

_VOCABULARIES: dict[str, tuple[tuple[str, ...], Mapping[str, tuple[str, ...]]]] = {
    "programmes": (PROGRAMMES, PROGRAMME_ALIASES),
    "publics": (PUBLICS, PUBLIC_ALIASES),
    "prise_en_charge": (PRISE_EN_CHARGE, PRISE_EN_CHARGE_ALIASES),
    "frais": (FRAIS, FRAIS_ALIASES),
    "modalites_accompagnement": (MODALITES_ACCOMPAGNEMENT, MODALITES_ACCOMPAGNEMENT_ALIASES),
    "modalites_acces": (MODALITES_ACCES, MODALITES_ACCES_ALIASES),
    "itinerance": (ITINERANCE, ITINERANCE_ALIASES),
}
_SPLIT_LIST = re.compile(r"\s*[|;]\s*")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=8192)
def normalise_label(label: str) -> str:
    """Lookup key of a label: lower-case ASCII letters and digits only (no spaces, accents,
    apostrophes or punctuation), so "Familles / enfants" and "familles/Enfants" match."""
    return _NON_ALNUM.sub("", unidecode(label).lower())


def split_list(value: object, separators: str = "|;") -> list[str]:
    """Split a multi-valued field (``|`` or ``;`` by default) into stripped, non-empty items."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(item).strip() for item in value if str(item).strip()]
    pattern = (
        _SPLIT_LIST if separators == "|;" else re.compile(f"\\s*[{re.escape(separators)}]\\s*")
    )
    return [item for item in pattern.split(str(value)) if item]


@cache
def _lookup(name: str) -> dict[str, tuple[str, ...]]:
    """Lookup table (normalised label → standard labels) of a vocabulary and its aliases."""
    vocabulary, aliases = _VOCABULARIES[name]
    table: dict[str, tuple[str, ...]] = {normalise_label(v): (v,) for v in vocabulary}
    table.update({normalise_label(k): v for k, v in aliases.items()})
    return table


def _map_labels(
    labels: Iterable[str], table: Mapping[str, tuple[str, ...]], order: Iterable[str]
) -> tuple[list[str], list[str]]:
    found: set[str] = set()
    unknown: list[str] = []
    for label in labels:
        key = normalise_label(label)
        if not key:
            continue
        values = table.get(key)
        if values is None and " : " in label:  # v0 "Label : explanation"
            values = table.get(normalise_label(label.split(" : ", 1)[0]))
        if values is None and ":" in label:
            values = table.get(normalise_label(label.split(":", 1)[0]))
        if values is None:
            unknown.append(label)
        else:
            found.update(values)
    return [v for v in order if v in found], unknown


@cache
def services_v0_v1() -> dict[str, tuple[str, ...]]:
    """The reviewed v0 label → v1 slugs table (data/services-v0-v1.csv)."""
    with SERVICES_V0_V1_CSV.open(encoding="utf-8", newline="") as handle:
        return {
            row["v0_label"]: tuple(s for s in row["v1_slugs"].split("|") if s)
            for row in csv.DictReader(handle)
        }


@cache
def _service_table() -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for slug, label in SERVICES.items():
        table[normalise_label(slug)] = (slug,)
        table[normalise_label(label)] = (slug,)
    for v0_label, slugs in services_v0_v1().items():
        table[normalise_label(v0_label)] = slugs
    return table


def service_slugs_from_labels(labels: Iterable[str]) -> tuple[list[str], list[str]]:
    """Map v1 labels, slugs or v0 labels to our slugs; returns (slugs, unknown_labels)."""
    return _map_labels(labels, _service_table(), SERVICES)


def programmes_from_labels(labels: Iterable[str]) -> tuple[list[str], list[str]]:
    """Map national programme labels ("CNFS", "France services", "AC"…) to the standard."""
    return _map_labels(labels, _lookup("programmes"), PROGRAMMES)


def publics_from_labels(labels: Iterable[str]) -> tuple[list[str], list[str], list[str]]:
    """Split v0/v1 public labels into (publics, prise_en_charge, unknown_labels)."""
    publics_table = _lookup("publics")
    support_table = _lookup("prise_en_charge")
    publics: list[str] = []
    support: list[str] = []
    unknown: list[str] = []
    for label in labels:
        found_public, not_public = _map_labels([label], publics_table, PUBLICS)
        found_support, not_support = _map_labels([label], support_table, PRISE_EN_CHARGE)
        publics += found_public
        support += found_support
        if not_public and not_support:
            unknown.append(label)
    return (
        [p for p in PUBLICS if p in publics],
        [s for s in PRISE_EN_CHARGE if s in support],
        unknown,
    )


def prise_en_charge_from_labels(labels: Iterable[str]) -> tuple[list[str], list[str]]:
    """Map specific-support labels (v1 or v0) to the standard list."""
    return _map_labels(labels, _lookup("prise_en_charge"), PRISE_EN_CHARGE)


def frais_from_labels(labels: Iterable[str]) -> tuple[list[str], list[str]]:
    """Map fee labels, including v0 "Gratuit : Je peux accéder…" and "Adhésion"."""
    return _map_labels(labels, _lookup("frais"), FRAIS)


def modalites_accompagnement_from_labels(labels: Iterable[str]) -> tuple[list[str], list[str]]:
    """Map v1 labels and the v0 "Avec de l'aide : …" family to the standard."""
    table = _lookup("modalites_accompagnement")
    return _map_labels(labels, table, MODALITES_ACCOMPAGNEMENT)


def modalites_acces_from_labels(labels: Iterable[str]) -> tuple[list[str], list[str]]:
    """Map access-mode labels to the standard list."""
    return _map_labels(labels, _lookup("modalites_acces"), MODALITES_ACCES)


def itinerance_from_labels(labels: Iterable[str]) -> tuple[list[str], list[str]]:
    """Map "Itinérant"/"Fixe" (any case/accents) to the standard list."""
    return _map_labels(labels, _lookup("itinerance"), ITINERANCE)


_TYPOLOGIES_BY_UPPER = {code.upper(): code for code in TYPOLOGIES}


def typologies_from_codes(codes: Iterable[str]) -> tuple[list[str], list[str]]:
    """Keep known data·inclusion typology codes (case-insensitive), in the source's order."""
    by_upper = _TYPOLOGIES_BY_UPPER
    known: list[str] = []
    unknown: list[str] = []
    for code in codes:
        canonical = by_upper.get(code.strip().upper().replace("-", "_").replace(" ", "_"))
        if canonical is None:
            unknown.append(code)
        elif canonical not in known:
            known.append(canonical)
    return known, unknown
