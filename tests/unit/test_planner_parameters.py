"""The planning parameters declared once (mapdir.planner.parameters): the French 400s the
planner always gave (same words, same parameter named), the defaults that depend on the
travel mode and the settings, and what the GET query and the JSON body each accept."""

from __future__ import annotations

import pytest

from mapdir.config import Settings
from mapdir.errors import InvalidParameter
from mapdir.offers.vocab import SERVICES
from mapdir.planner import ranking
from mapdir.planner.parameters import ClassementQuery, PlanQuery, PlansQuery, parse_request

SETTINGS = Settings.from_env({"DATABASE_URL": ""})
ALL_SERVICES = ", ".join(SERVICES)
COMPONENTS = ", ".join(ranking.COMPONENTS)


def error_of(data, model=None) -> dict:
    with pytest.raises(InvalidParameter) as caught:
        if model is None:
            parse_request(data, SETTINGS)
        else:
            model.parse(data, settings=SETTINGS)
    return caught.value.to_dict()


@pytest.mark.parametrize(
    ("data", "parametre", "erreur"),
    [
        ({}, "departement", "Indiquez « departement » (ex. 87)."),
        ({"departement": "  "}, "departement", "Indiquez « departement » (ex. 87)."),
        ({"seuil_min": "abc"}, "seuil_min", "« seuil_min » doit être un nombre."),
        ({"seuil_min": "٣"}, "seuil_min", "« seuil_min » doit être un nombre."),
        ({"seuil_min": "nan"}, "seuil_min", "« seuil_min » doit être un nombre."),
        ({"seuil_min": 0}, "seuil_min", "« seuil_min » doit être compris entre 1 et 180."),
        (
            {"seuil_min": 30, "zone_blanche_min": 20},
            "zone_blanche_min",
            "« zone_blanche_min » doit être supérieur ou égal à « seuil_min ».",
        ),
        (  # the default threshold of the mode (20 min by car) is the bound
            {"zone_blanche_min": 15},
            "zone_blanche_min",
            "« zone_blanche_min » doit être supérieur ou égal à « seuil_min ».",
        ),
        (
            {"zone_blanche_min": 241},
            "zone_blanche_min",
            "« zone_blanche_min » doit être compris entre 1 et 240.",
        ),
        (
            {"services": "cuisine,jardin"},
            "services",
            f"Service inconnu : cuisine, jardin (attendu : {ALL_SERVICES}).",
        ),
        (
            {"solveur": "magique"},
            "solveur",
            "Solveur inconnu : magique (attendu : exact, cbc, highs, greedy).",
        ),  # fmt: skip
        (
            {"territoire": "12"},
            "territoire",
            "« territoire » doit être le SIREN d'un EPCI (9 chiffres).",
        ),  # fmt: skip
        (
            {"territoire": "٣" * 9},
            "territoire",
            "« territoire » doit être le SIREN d'un EPCI (9 chiffres).",
        ),  # fmt: skip
        ({"depot": "750"}, "depot", "« depot » doit être un code INSEE de commune."),
        (
            {"cycle_semaines": 3},
            "cycle_semaines",
            "« cycle_semaines » doit être compris entre 1 et 2.",
        ),  # fmt: skip
        (
            {"besoin": "riches"},
            "besoin",
            "Besoin inconnu : riches (attendu : population, seniors, peu_diplomes, fragilite).",
        ),  # fmt: skip
        (
            {"type_offre": "x"},
            "type_offre",
            "Type d'offre inconnu : x (attendu : assistance, formation, acces_libre).",
        ),  # fmt: skip
        ({"mesure": "x"}, "mesure", "Mesure inconnue : x (attendu : accessibilite, distance)."),
        ({"mode": "velo"}, "mode", "Mode inconnu : velo (attendu : voiture, sans_voiture)."),
        ({"k": "٣"}, "k", "« k » doit être un nombre."),
        ({"k": 3.0}, "k", "« k » doit être un nombre."),
        ({"k": True}, "k", "« k » doit être un nombre."),
        ({"k": 51}, "k", "« k » doit être compris entre 1 et 50."),
        (
            {"heures_arret": 0},
            "heures_arret",
            "« heures_arret » doit être compris entre 0.5 et 70.",
        ),  # fmt: skip
        ({"poids": {"x": 1}}, "poids", f"« poids » : clés attendues {COMPONENTS}."),
        ({"poids": "x"}, "poids", f"« poids » : clés attendues {COMPONENTS}."),
        (
            {"poids": {"stop_gain": "abc"}},
            "poids.stop_gain",
            "« poids.stop_gain » doit être un nombre.",
        ),
    ],
)
def test_bad_values_answer_the_planners_french_400(data, parametre, erreur):
    data = {"departement": "87", **data} if "departement" not in data and data else data
    assert error_of(data) == {"erreur": erreur, "parametre": parametre}


def test_a_body_that_is_no_object_is_refused():
    assert error_of([1, 2]) == {"erreur": "Le corps de la requête doit être un objet JSON."}


def test_defaults_follow_the_mode_and_the_settings():
    car = parse_request({"departement": "87"}, SETTINGS)
    assert (car.mode.name, car.seuil_min, car.zone_blanche_min, car.k) == ("voiture", 20, 30, 5)
    assert (car.mesure, car.besoin, car.solveur, car.cycle_semaines) == (
        "accessibilite",
        "population",
        "exact",
        1,
    )
    walking = parse_request({"departement": "87", "mode": "sans_voiture"}, SETTINGS)
    assert walking.seuil_min == SETTINGS.float("MAPDIR_WALK_THRESHOLD_MIN")
    assert walking.zone_blanche_min >= walking.seuil_min
    assert parse_request({"departement": "87", "seuil_min": 40}, SETTINGS).zone_blanche_min == 40


def test_values_as_the_query_string_and_the_json_body_give_them():
    query = parse_request(
        {"departement": " 2a ", "k": "3", "services": "demarches-administratives, "
         "loisirs-creations", "poids": "", "programme": "", "seuil_min": "15.5"},
        SETTINGS,
    )  # fmt: skip
    body = parse_request(
        {"departement": "2A", "k": 3, "services": ["demarches-administratives",
         "loisirs-creations"], "poids": {"stop_gain": 2}, "seuil_min": 15.5},
        SETTINGS,
    )  # fmt: skip
    assert query.departement == body.departement == "2A"
    assert query.services == body.services == ("demarches-administratives", "loisirs-creations")
    assert query.k == body.k == 3 and query.seuil_min == body.seuil_min == 15.5
    assert query.programme is None and query.poids == {} and body.poids == {"stop_gain": 2.0}


def test_the_get_endpoints_read_no_weights_and_classement_its_level():
    assert "poids" not in PlanQuery.model_fields
    assert ClassementQuery.parse({"departement": "87"}, settings=SETTINGS).niveau == "epci"
    assert error_of({"departement": "87", "niveau": "region"}, ClassementQuery) == {
        "erreur": "Niveau attendu : epci ou canton.",
        "parametre": "niveau",
    }
    assert list(PlansQuery.model_fields) == ["departement"]
