"""data·inclusion v1 mapping: the reviewed table covers our vocabularies with their values,
records carry nothing the directory does not know, and the validator catches bad records."""

from __future__ import annotations

import csv
from datetime import date, datetime

import pytest

from mapdir.offers import vocab
from mapdir.offers.data_inclusion import mapping
from mapdir.offers.data_inclusion.mapping import build_services, build_structure, skip_reason
from mapdir.offers.data_inclusion.validation import errors, validator, vocabulary

# our field → (our vocabulary, data·inclusion fields it may map to, their list under extra/)
FIELDS = {
    "services": (tuple(vocab.SERVICES), {"thematiques": "thematiques"}),
    "publics": (vocab.PUBLICS, {"publics": "publics"}),
    "prise_en_charge": (vocab.PRISE_EN_CHARGE, {"publics": "publics"}),
    "frais": (vocab.FRAIS, {"frais": "frais"}),
    "modalites_acces": (
        vocab.MODALITES_ACCES,
        {"modes_mobilisation": "modes-mobilisation", "modes_accueil": "modes-accueil"},
    ),
    "modalites_accompagnement": (
        vocab.MODALITES_ACCOMPAGNEMENT,
        {"type": "types-de-services", "modes_accueil": "modes-accueil"},
    ),
    "programmes": (vocab.PROGRAMMES, {"reseaux_porteurs": "reseaux-porteurs"}),
    "typologie": (tuple(vocab.TYPOLOGIES), {"reseaux_porteurs": "reseaux-porteurs"}),
}


def _rows() -> list[dict[str, str]]:
    with mapping.MAPPING_CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_value_of_our_vocabularies_is_reviewed_in_the_table():
    reviewed = {(r["champ_mapdir"], r["valeur_mapdir"]) for r in _rows()}
    for field, (values, _targets) in FIELDS.items():
        missing = [v for v in values if (field, v) not in reviewed]
        assert not missing, (field, missing)


def test_every_target_exists_in_data_inclusion_vocabularies():
    for row in _rows():
        values, targets = FIELDS[row["champ_mapdir"]]
        assert row["valeur_mapdir"] in values, row
        assert row["champ_data_inclusion"] in targets, row
        assert row["note"], row  # every row says where it comes from or why
        if row["valeur_data_inclusion"]:
            extra = targets[row["champ_data_inclusion"]]
            assert row["valeur_data_inclusion"] in vocabulary(extra), row


def _offer(**overrides):
    offer = {
        "id": 42,
        "nom": "Médiathèque de Saint-Léonard",
        "pivot": "21870161700013",
        "typologie": ["BIB", "MUNI"],
        "adresse": "Place de la République",
        "complement_adresse": None,
        "code_postal": "87400",
        "commune_nom": "Saint-Léonard-de-Noblat",
        "commune_officielle": "Saint-Léonard-de-Noblat",
        "code_insee": "87161",
        "lon": 1.4917,
        "lat": 45.8356,
        "geo_precision": "adresse",
        "telephones": ["+33555560000"],
        "courriels": ["mediatheque@example.fr"],
        "sites_web": ["https://example.fr/mediatheque"],
        "horaires": "Tu-Sa 10:00-12:00,14:00-18:00",
        "services": ["demarches-administratives", "acces-internet-materiel"],
        "publics": [],
        "prise_en_charge": [],
        "frais": ["Gratuit"],
        "modalites_acces": ["Se présenter", "Prendre un RDV en ligne"],
        "modalites_accompagnement": ["En autonomie", "Accompagnement individuel"],
        "programmes": ["Conseillers numériques"],
        "acceslibre_url": None,
        "prise_rdv_url": None,
        "presentation_resume": None,
        "presentation_detail": None,
        "date_maj": date(2024, 3, 1),
        "confirmed_at": None,
        "updated_at": datetime(2026, 12, 1, 10, 0),
    }
    offer.update(overrides)
    return offer


STOP = {
    "id": 7,
    "code_insee": "87190",
    "commune_nom": "Sauviat-sur-Vige",
    "lieu": "Mairie",
    "adresse": None,
    "horaires": "Fr[2] 09:30-12:00",
    "lon": 1.6,
    "lat": 45.9,
}


def test_a_full_offer_and_its_stop_validate_and_map_as_reviewed():
    offer = _offer()
    structure = build_structure(offer, "https://annuaire.example.fr/")
    main, stop = build_services(offer, [STOP], "https://annuaire.example.fr")
    assert errors("structure", [structure]) == []
    assert errors("service", [main, stop]) == []
    assert structure["id"] == "mapdir--42" and structure["siret"] == "21870161700013"
    assert structure["reseaux_porteurs"] == ["communes", "conseillers-numeriques"]
    assert structure["lien_source"] == "https://annuaire.example.fr/offres/42"
    assert main["thematiques"] == [
        "difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives",
        "numerique--acceder-a-des-services-en-ligne",
        "numerique--acceder-a-une-connexion-internet",
    ]
    assert main["type"] == "accompagnement"  # before aide-materielle (En autonomie)
    assert main["frais"] == "gratuit" and main["frais_precisions"] is None
    # "Prendre un RDV en ligne" needs its link, which this offer lacks
    assert main["modes_mobilisation"] == ["se-presenter"]
    assert main["modes_accueil"] == ["en-presentiel"]
    assert stop["id"] == "mapdir--42--permanence-7" and stop["structure_id"] == "mapdir--42"
    assert stop["horaires_accueil"] == "Fr[2] 09:30-12:00"
    assert stop["code_insee"] == "87190" and stop["nom"] == "Permanence à Sauviat-sur-Vige, Mairie"
    # a stop without a street address sits at its commune's point: no coordinates given
    assert stop["latitude"] is None and stop["longitude"] is None


def test_unknown_stays_empty():
    offer = _offer(
        pivot="W872000123",  # an RNA number is not a SIRET
        typologie=["ASSO"],
        programmes=[],
        telephones=[],
        courriels=[],
        sites_web=[],
        horaires="sur rendez-vous le mardi",  # text, not OSM
        services=[],
        frais=[],
        modalites_acces=[],
        modalites_accompagnement=["Accompagnement individuel"],
        geo_precision="commune",
        code_postal=None,
        date_maj=None,
    )
    structure = build_structure(offer)
    (service,) = build_services(offer)
    assert errors("structure", [structure]) == [] and errors("service", [service]) == []
    for key in (
        "siret",
        "reseaux_porteurs",
        "telephone",
        "courriel",
        "site_web",
        "horaires_accueil",
        "latitude",
        "longitude",
        "code_postal",
        "lien_source",
    ):
        assert structure[key] is None, key  # fmt: skip
    for key in (
        "thematiques",
        "frais",
        "publics",
        "modes_accueil",
        "modes_mobilisation",
        "mobilisable_par",
        "zone_eligibilite",
        "horaires_accueil",
    ):
        assert service[key] is None, key  # fmt: skip
    # no date vouched for: the day our record last changed
    assert structure["date_maj"] == "2026-12-01" == service["date_maj"]
    assert service["description"].endswith("services non précisés par les sources.")


def test_fees_publics_and_dates():
    offer = _offer(
        frais=["Gratuit", "Payant"],
        publics=["Seniors"],
        prise_en_charge=["Surdité", "Illettrisme"],
        confirmed_at=datetime(2026, 5, 4, 9, 0),
    )
    (service,) = build_services(offer)
    assert service["frais"] is None and service["frais_precisions"] == "Gratuit, Payant"
    assert service["publics"] == ["seniors", "personnes-en-situation-de-handicap"]
    assert service["publics_precisions"] == "Seniors, Surdité, Illettrisme"
    assert service["date_maj"] == "2026-05-04"  # the animator's confirmation is fresher
    (conditional,) = build_services(_offer(frais=["Gratuit sous condition"]))
    assert conditional["frais"] == "gratuit"
    assert conditional["frais_precisions"] == "Gratuit sous condition"


def test_names_too_short_are_skipped_and_long_ones_shortened():
    assert "moins de 3 caractères" in skip_reason(_offer(nom="3R"))
    assert skip_reason(_offer()) is None
    summary = mapping.Summary()
    structure = build_structure(_offer(nom="Lieu " * 40), summary=summary)
    assert len(structure["nom"]) <= 150 and structure["nom"].endswith("…")
    assert summary.raccourcis == 1


@pytest.mark.parametrize(
    ("kind", "change", "field"),
    [
        ("service", {"thematiques": ["numerique--inventee"]}, "thematiques"),
        ("service", {"publics": ["tous-publics", "seniors", "seniors"]}, "publics"),
        ("service", {"lien_mobilisation": "pas une adresse"}, "lien_mobilisation"),
        ("service", {"date_maj": "2024-13-45"}, "date_maj"),
        ("service", {"description": "abc"}, "description"),
        ("structure", {"courriel": "pas-un-courriel"}, "courriel"),
        ("structure", {"code_postal": "8740"}, "code_postal"),
        ("structure", {"reseaux_porteurs": ["france-services"]}, "reseaux_porteurs"),
    ],
)
def test_the_validator_catches_what_the_schema_forbids(kind, change, field):
    offer = _offer()
    record = build_structure(offer) if kind == "structure" else build_services(offer)[0]
    assert errors(kind, [record]) == []
    found = errors(kind, [{**record, **change}])
    assert found and field in found[0], found


def test_validator_checks_formats():
    assert validator("service").format_checker is not None
