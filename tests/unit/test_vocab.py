"""The national vocabularies and the label mapping of etl/vocab.py."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from etl import vocab

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SCHEMA = DATA / "schemas" / "lieux-mediation-numerique" / "schema.json"
OFFERS = DATA / "offers"


def _schema_labels(field_name: str) -> list[str]:
    """Labels listed in the field's pattern "(?:(?:^|\\|)(A|B|C))+$" of schema.json."""
    fields = {f["name"]: f for f in json.loads(SCHEMA.read_text(encoding="utf-8"))["fields"]}
    pattern = fields[field_name]["constraints"]["pattern"]
    inner = pattern[len("(?:(?:^|\\|)(") : -len("))+$")]
    return [re.sub(r"\\(.)", r"\1", label) for label in re.split(r"(?<!\\)\|", inner)]


@pytest.mark.parametrize(
    ("field_name", "values"),
    [
        ("services", list(vocab.SERVICES.values())),
        ("publics_specifiquement_adresses", list(vocab.PUBLICS)),
        ("prise_en_charge_specifique", list(vocab.PRISE_EN_CHARGE)),
        ("frais_a_charge", list(vocab.FRAIS)),
        ("dispositif_programmes_nationaux", list(vocab.PROGRAMMES)),
        ("modalites_acces", list(vocab.MODALITES_ACCES)),
        ("modalites_accompagnement", list(vocab.MODALITES_ACCOMPAGNEMENT)),
        ("itinerance", list(vocab.ITINERANCE)),
    ],
)
def test_vocabularies_are_exactly_the_schema_labels(field_name: str, values: list[str]) -> None:
    assert values == _schema_labels(field_name)


def test_nine_service_slugs_in_product_order() -> None:
    assert list(vocab.SERVICES) == [
        "demarches-administratives",
        "outils-numeriques-quotidien",
        "insertion-professionnelle",
        "utilisation-securisee",
        "parentalite-education",
        "loisirs-creations",
        "comprehension-monde-numerique",
        "acces-internet-materiel",
        "materiel-prix-solidaire",
    ]


def _v0_labels_in_real_files() -> set[str]:
    labels: set[str] = set()
    files = ["data-inclusion-lieux-2023-02.json", *[p.name for p in OFFERS.glob("conseillers-*")]]
    for name in files:
        for record in json.loads((OFFERS / name).read_text(encoding="utf-8")):
            labels.update(vocab.split_list(record.get("services"), ";,"))
    return labels


def test_services_table_covers_every_real_v0_label_with_known_slugs() -> None:
    with vocab.SERVICES_V0_V1_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["v0_label", "v1_slugs", "note"]
    assert len(rows) == 15 == len({row["v0_label"] for row in rows})
    for row in rows:
        slugs = row["v1_slugs"].split("|")
        assert slugs and set(slugs) <= set(vocab.SERVICES), row
    real = _v0_labels_in_real_files()
    print(f"\n{len(real)} distinct v0 service labels in the real files")
    assert len(real) >= 14
    assert real <= {row["v0_label"] for row in rows}
    slugs, unknown = vocab.service_slugs_from_labels(real)
    assert unknown == [] and len(slugs) >= 7


def test_service_mapping_is_tolerant_and_reports_unknown_labels() -> None:
    slugs, unknown = vocab.service_slugs_from_labels(
        [
            "AIDE AUX DEMARCHES  administratives",
            "Prendre en main un smartphone ou une tablette",
            "acces-internet-materiel",
            "Accéder à du matériel",
            "Cuisine",
        ]
    )
    assert slugs == [
        "demarches-administratives",
        "outils-numeriques-quotidien",
        "acces-internet-materiel",
    ]
    assert unknown == ["Cuisine"]
    assert vocab.service_slugs_from_labels(["S’équiper en matériel informatique"])[0] == [
        "materiel-prix-solidaire"
    ]


def test_programme_aliases() -> None:
    found, unknown = vocab.programmes_from_labels(
        ["CNFS", "France services", "France Services", "AC", "aidants connect", "Pass numérique"]
    )
    assert found == ["Aidants Connect", "Conseillers numériques", "France Services"]
    assert unknown == ["Pass numérique"]


def test_v0_explained_labels_map_to_v1() -> None:
    modes, unknown = vocab.modalites_accompagnement_from_labels(
        [
            "Avec de l'aide : je suis accompagné seul dans l'usage du numérique",
            "Dans un atelier : j'apprends collectivement à utiliser le numérique",
            "Seul : j'ai accès à du matériel et une connexion",
            "A ma place : une personne habilitée fait les démarches à ma place",
        ]
    )
    assert modes == ["En autonomie", "Accompagnement individuel", "Dans un atelier collectif"]
    assert unknown == []
    frais, _ = vocab.frais_from_labels(
        ["Gratuit : Je peux accéder gratuitement au lieu et à ses services", "Adhésion : …"]
    )
    assert frais == ["Gratuit", "Payant"]


def test_v0_publics_split_into_publics_and_specific_support() -> None:
    publics, support, unknown = vocab.publics_from_labels(
        [
            "Seniors (+ 65 ans)",
            "Jeunes (16-26 ans)",
            "Familles/enfants",
            "Adultes",
            "Surdité",
            "Personnes en situation d'illettrisme",
            "Public langues étrangères",
            "Martiens",
        ]
    )
    assert publics == ["Jeunes", "Familles et/ou enfants", "Seniors"]
    assert support == ["Surdité", "Illettrisme", "Langues étrangères (autres)"]
    assert unknown == ["Martiens"]


def test_typologies_of_real_files_are_known() -> None:
    codes: set[str] = set()
    for name in ("data-inclusion-lieux-2023-02.json", "charente-lieux-2023-07.json"):
        for record in json.loads((OFFERS / name).read_text(encoding="utf-8")):
            codes.update(vocab.split_list(record.get("typologie")))
    known, unknown = vocab.typologies_from_codes(sorted(codes))
    assert unknown == [] and len(known) == len(codes) > 30
    assert vocab.typologies_from_codes(["asso", "XYZ"]) == (["ASSO"], ["XYZ"])
