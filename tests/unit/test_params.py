"""Request parameters declared once (mapdir.params): French messages naming the parameter,
vocabulary slugs and aliases, unknown names, ASCII digits, blank values, repeated values."""

from __future__ import annotations

from datetime import datetime

import pytest
from werkzeug.datastructures import MultiDict

from mapdir.errors import InvalidParameter
from mapdir.offers.parameters import GeoJSONParams, OfferPath, SearchParams
from mapdir.params import Params, integer, text
from mapdir.text import ascii_float

NOW = datetime(2026, 12, 1, 10, 0)


def error_of(model: type[Params], data) -> dict:
    with pytest.raises(InvalidParameter) as caught:
        model.parse(data, now=NOW)
    return caught.value.to_dict()


def test_slugs_labels_and_aliases_map_to_stored_labels():
    params = SearchParams.parse(
        {
            "code_postal": "87000",
            "programme": "cnfs,France Services,conseillers-numeriques",
            "modalites": "atelier-collectif, distance",
            "publics": "Familles et/ou enfants",
        }
    )
    assert params.programme == ("Conseillers numériques", "France Services")
    filters = params.filters()
    assert filters.modalites_accompagnement == ("Dans un atelier collectif", "À distance")
    assert filters.publics == ("Familles et/ou enfants",)


def test_unknown_value_lists_the_possible_slugs():
    body = error_of(SearchParams, {"code_postal": "87000", "publics": "retraites"})
    assert body == {
        "erreur": "Valeur inconnue pour « publics » : « retraites ». Valeurs possibles : "
        "etudiants, familles-et-ou-enfants, femmes, jeunes, seniors.",
        "parametre": "publics",
    }


def test_unknown_parameter_is_rejected_but_underscore_names_pass():
    body = error_of(SearchParams, {"code_postal": "87000", "service": "x"})
    assert body["parametre"] == "service"
    assert body["erreur"].startswith("Paramètre inconnu : « service ». Paramètres acceptés : ")
    assert SearchParams.parse({"code_postal": "87000", "_": "123"}).code_postal == "87000"


@pytest.mark.parametrize(
    ("data", "parametre", "erreur"),
    [
        (
            {"code_postal": "87000", "limite": "٣"},
            "limite",
            "« limite » doit être un nombre entier.",
        ),
        (
            {"code_postal": "87000", "limite": "３"},
            "limite",
            "« limite » doit être un nombre entier.",
        ),
        ({"lat": "٤٥", "lon": "1"}, "lat", "« lat » doit être un nombre décimal."),
        ({"code_postal": "٨٧٤٠٠"}, "code_postal", None),
    ],
)
def test_only_ascii_digits_are_numbers(data, parametre, erreur):
    body = error_of(SearchParams, data)
    assert body["parametre"] == parametre
    assert erreur is None or body["erreur"] == erreur
    with pytest.raises(InvalidParameter):
        OfferPath.parse({"id": "٣"})


def test_first_bad_parameter_in_declaration_order_answers():
    body = error_of(SearchParams, {"code_postal": "87000", "services": "cuisine", "limite": "0"})
    assert body["parametre"] == "services"
    assert error_of(SearchParams, {"lat": "45"}) == {
        "erreur": "Indiquez à la fois « lat » et « lon ».",
        "parametre": "lon",
    }


def test_blank_values_count_as_absent_and_defaults_apply():
    params = SearchParams.parse({"code_postal": " 87000 ", "limite": " ", "services": ""})
    assert (params.code_postal, params.limite, params.services) == ("87000", 20, ())


def test_repeated_query_values_of_a_list_are_all_taken():
    args = MultiDict([("code_postal", "87000"), ("services", "loisirs-creations"),
                      ("services", "demarches-administratives,loisirs-creations")])  # fmt: skip
    params = SearchParams.from_query(args)
    assert params.services == ("loisirs-creations", "demarches-administratives")


def test_required_parameter_has_its_own_message():
    assert error_of(GeoJSONParams, {}) == {
        "erreur": "« bbox » doit compter 4 nombres : minlon,minlat,maxlon,maxlat.",
        "parametre": "bbox",
    }


class Counted(Params):
    nom: text("Un nom.", required="Indiquez « nom ».")
    k: integer(1, 50, "K.", noun="un nombre") = 5


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(3, 3), ("7", 7), (" 7 ", 7), (3.0, "« k » doit être un nombre."),
     (3.5, "« k » doit être un nombre."), (True, "« k » doit être un nombre."),
     ([3], "« k » doit être un nombre."),
     (0, "« k » doit être compris entre 1 et 50.")],
)  # fmt: skip
def test_json_numbers_and_texts(raw, expected):
    if isinstance(expected, int):
        assert Counted.parse({"nom": "x", "k": raw}).k == expected
    else:
        assert error_of(Counted, {"nom": "x", "k": raw}) == {"erreur": expected, "parametre": "k"}


def test_a_body_that_is_not_an_object_is_refused():
    assert error_of(Counted, [1, 2]) == {
        "erreur": "Envoyez un objet JSON (Content-Type: application/json)."
    }
    assert error_of(Counted, {"k": 3}) == {"erreur": "Indiquez « nom ».", "parametre": "nom"}


@pytest.mark.parametrize("raw", ["5e-324", "-5e-324", "1e-200", 1e-310, "2.5e-320"])
def test_tiny_numbers_are_zero(raw):
    # PostgreSQL raises "underflow" on radians(5e-324): such numbers never reach SQL
    assert ascii_float(raw) == 0.0


def test_small_but_real_numbers_are_kept():
    assert ascii_float("1e-9") == 1e-9 and ascii_float("-45.8") == -45.8
