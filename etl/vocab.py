"""National vocabularies (schema "lieux de médiation numérique" v1.0.2) and label mapping.

Every list holds the standard's exact labels. The ``*_from_labels`` functions map what a
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

SERVICES_V0_V1_CSV = Path(__file__).parents[1] / "data" / "services-v0-v1.csv"

SERVICES: dict[str, str] = {
    "demarches-administratives": "Aide aux démarches administratives",
    "outils-numeriques-quotidien": "Maîtrise des outils numériques du quotidien",
    "insertion-professionnelle": "Insertion professionnelle via le numérique",
    "utilisation-securisee": "Utilisation sécurisée du numérique",
    "parentalite-education": "Parentalité et éducation avec le numérique",
    "loisirs-creations": "Loisirs et créations numériques",
    "comprehension-monde-numerique": "Compréhension du monde numérique",
    "acces-internet-materiel": "Accès internet et matériel informatique",
    "materiel-prix-solidaire": "Acquisition de matériel informatique à prix solidaire",
}
PUBLICS = ("Jeunes", "Étudiants", "Familles et/ou enfants", "Seniors", "Femmes")
PRISE_EN_CHARGE = (
    "Surdité",
    "Handicaps moteurs",
    "Handicaps mentaux",
    "Illettrisme",
    "Langues étrangères (anglais)",
    "Langues étrangères (autres)",
    "Déficience visuelle",
)
FRAIS = ("Gratuit", "Gratuit sous condition", "Payant")
PROGRAMMES = (
    "Aidants Connect",
    "Bibliothèques numérique de référence",
    "Certification PIX",
    "Conseillers numériques",
    "Emmaüs Connect",
    "France Services",
    "Grande école du numérique",
    "La Croix Rouge",
    "Point d'accès numérique CAF",
    "Promeneurs du net",
    "Relais numérique (Emmaüs Connect)",
)
MODALITES_ACCES = (
    "Se présenter",
    "Téléphoner",
    "Contacter par mail",
    "Prendre un RDV en ligne",
    "Ce lieu n'accueille pas de public",
    "Envoyer un mail avec une fiche de prescription",
)
MODALITES_ACCOMPAGNEMENT = (
    "En autonomie",
    "Accompagnement individuel",
    "Dans un atelier collectif",
    "À distance",
)
ITINERANCE = ("Itinérant", "Fixe")
# schema.json's `typologie` refers to the data·inclusion "typologies de structure" list.
TYPOLOGIES: dict[str, str] = {
    "ACI": "Structures porteuses d'ateliers et chantiers d'insertion",
    "ACIPHC": "Atelier chantier d'insertion premières heures en chantier",
    "AFPA": "Agence nationale pour la formation professionnelle des adultes",
    "AI": "Associations intermédiaires",
    "ASE": "Aide sociale à l'enfance",
    "ASSO": "Associations",
    "ASSO_CHOMEUR": "Associations de chômeurs",
    "Autre": "Autre",
    "AVIP": "Crèche à vocation d'insertion professionnelle",
    "BIB": "Bibliothèque / Médiathèque",
    "CAARUD": "Centre d'accueil et d'accompagnement à la réduction de risques (usagers de drogues)",
    "CADA": "Centres d'accueil de demandeurs d'asile",
    "CAF": "Caisses d'allocations familiales",
    "CAP_EMPLOI": "Cap Emploi",
    "CAVA": "Centres d'adaptation à la vie active",
    "CC": "Communautés de communes",
    "CCAS": "Centres communaux d'action sociale",
    "CCONS": "Chambres consulaires",
    "CD": "Conseils départementaux",
    "CDAS": "Centre départemental d'action sociale",
    "CFP": "Centre des finances publiques",
    "CHRS": "Centres d'hébergement et de réinsertion sociale",
    "CHU": "Centres d'hébergement d'urgence",
    "CIAS": "Centres intercommunaux d'action sociale",
    "CIDFF": "Centres d'information sur les droits des femmes et des familles",
    "CITMET": "Cité des métiers",
    "CMP": "Centre médico-psychologique",
    "CMS": "Centre médico-social",
    "CPAM": "Caisse primaire d'assurance maladie",
    "CPH": "Centres provisoires d'hébergement",
    "CS": "Centre social",
    "CSAPA": "Centre de soins, d'accompagnement et de prévention en addictologie",
    "CSC": "Centre socioculturel",
    "DEETS": "Directions de l'économie, de l'emploi, du travail et des solidarités",
    "DEPT": "Services sociaux du conseil départemental",
    "DIPLP": "Délégation interministérielle à la prévention et à la lutte contre la pauvreté",
    "E2C": "École de la deuxième chance",
    "EA": "Entreprise adaptée",
    "EATT": "Entreprise adaptée de travail temporaire",
    "EI": "Entreprises d'insertion",
    "EITI": "Entreprises d'insertion par le travail indépendant",
    "ENM": "Espace numérique mobile",
    "EPCI": "Intercommunalité",
    "EPI": "Espace public internet",
    "EPIDE": "Établissement pour l'insertion dans l'emploi",
    "EPN": "Espace public numérique",
    "ES": "Épicerie solidaire",
    "ESAT": "Établissements ou services d'aide par le travail",
    "ESS": "Entreprise de l'économie sociale et solidaire",
    "ETTI": "Entreprises de travail temporaire d'insertion",
    "EVS": "Espace de vie sociale",
    "FABLAB": "Fablab",
    "FABRIQUE": "Fabrique de territoire",
    "FAIS": "Fédérations d'acteurs de l'insertion et de la solidarité",
    "FT": "France Travail",
    "GEIQ": "Groupements d'employeurs pour l'insertion et la qualification",
    "HUDA": "Hébergement d'urgence pour demandeurs d'asile",
    "LA_POSTE": "La Poste",
    "MDE": "Maison de l'emploi",
    "MDEF": "Maison de l'emploi et de la formation",
    "MDH": "Maison des habitants",
    "MDPH": "Maison départementale des personnes handicapées",
    "MDS": "Maison départementale des solidarités",
    "MJC": "Maison des jeunes et de la culture",
    "ML": "Mission locale",
    "MQ": "Maison de quartier",
    "MSA": "Mutualité sociale agricole",
    "MSAP": "Maison de services au public",
    "MUNI": "Municipalités",
    "OACAS": "Organisme d'accueil communautaire et d'activité solidaire",
    "ODC": "Organisation délégataire d'un conseil départemental",
    "OF": "Organisme de formation",
    "OIL": "Opérateur d'intermédiation locative",
    "OPCS": "Organisation porteuse de la clause sociale",
    "PAD": "Point d'accès au droit",
    "PE": "Pôle emploi",
    "PENSION": "Pension de famille",
    "PI": "Point info",
    "PIJ_BIJ": "Points et bureaux information jeunesse",
    "PIMMS": "Point information médiation multi services",
    "PJJ": "Protection judiciaire de la jeunesse",
    "PLIE": "Plans locaux pour l'insertion et l'emploi",
    "PREF": "Préfecture, sous-préfecture",
    "PREVENTION": "Service ou club de prévention",
    "REG": "Région",
    "RELAIS_LECTURE": "Relais lecture",
    "RESSOURCERIE": "Ressourcerie",
    "RFS": "Réseau France Services",
    "RS_FJT": "Résidence sociale / Foyer de jeunes travailleurs",
    "SCP": "Services et clubs de prévention",
    "SPIP": "Services pénitentiaires d'insertion et de probation",
    "TIERS_LIEUX": "Tiers-lieu et coworking",
    "UDAF": "Union départementale des associations familiales",
}

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
