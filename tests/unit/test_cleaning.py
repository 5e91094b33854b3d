"""Fixable-defect helpers of etl/cleaning.py."""

from __future__ import annotations

from datetime import date

import pytest

from etl import cleaning
from etl.record import Reject


def test_whitespace() -> None:
    assert cleaning.clean_whitespace("  Mairie \n de\u00a0 Limoges ") == ("Mairie de Limoges", True)
    assert cleaning.clean_whitespace(" Mairie ") == ("Mairie", False)
    assert cleaning.clean_whitespace("   ") == (None, False)
    assert cleaning.clean_whitespace(None) == (None, False)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<script>alert(1)</script>Médiathèque <b>Centre</b>", "Médiathèque Centre"),
        ("Clic' &amp; Ressources", "Clic' & Ressources"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;Mairie", "Mairie"),
        ("Permanences :<ul><li>Lundi</li><li>Mardi</li></ul>", "Permanences : Lundi Mardi"),
        ('<img src=x onerror="alert(1)">Bus', "Bus"),
        ("<script>alert(1)</script>", None),
    ],
)
def test_strip_html_gives_plain_text(raw: str, expected: str | None) -> None:
    text, fixed = cleaning.strip_html(raw)
    assert (text, fixed) == (expected, True)
    assert text is None or ("<" not in text and ">" not in text)


def test_a_wide_gap_in_a_comment_is_a_line_break() -> None:
    # France Services 1811 (Le Creusot): the gap separates the main site's hours from the
    # permanence at Le Breuil; collapsed to one space, the extractor mixed them up
    text = "les mercredi et jeudi de 13h30 à 16h30     Permanence supplémentaire"
    cleaned, _ = cleaning.strip_html(text, keep_lines=True)
    assert cleaned == "les mercredi et jeudi de 13h30 à 16h30\nPermanence supplémentaire"


def test_strip_html_leaves_plain_text_and_can_keep_lines() -> None:
    assert cleaning.strip_html("a < b et R&D") == ("a < b et R&D", False)
    assert cleaning.strip_html("Ligne 1\r\n\r\n\r\nLigne  2", keep_lines=True) == (
        "Ligne 1\n\nLigne 2",
        False,
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("04 50 56 87 49", ("+33450568749", False)),
        ("05.55.77.75.89", ("+33555777589", False)),
        ("+33 (0)1 23 45 67 89", ("+33123456789", False)),
        ("0033123456789", ("+33123456789", False)),
        ("+33180059880", ("+33180059880", False)),
        ("0262 12 34 56", ("+262262123456", False)),
        ("0692 12 34 56", ("+262692123456", False)),
        ("0590 12 34 56", ("+590590123456", False)),
        ("0594 12 34 5", (None, True)),
        ("450568749", ("+33450568749", True)),
        ("+33", (None, True)),
        ("pas de téléphone", (None, True)),
        ("", (None, False)),
    ],
)
def test_phone(raw: str, expected: tuple[str | None, bool]) -> None:
    assert cleaning.clean_phone(raw) == expected


def test_several_phones_in_one_field() -> None:
    assert cleaning.clean_phones("05 55 01 23 90 / 06.66.01.42.88 ; 05 55 01 23 90") == (
        ["+33555012390", "+33666014288"],
        False,
    )
    assert cleaning.clean_phones("05 55 01 23 90 ; 12") == (["+33555012390"], True)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("43493312300029", ("43493312300029", False)),
        ("434 933 123 00029", ("43493312300029", False)),
        ("35600000012345", ("35600000012345", False)),  # La Poste: fails Luhn, kept
        ("43493312300028", (None, True)),  # bad checksum
        ("55202210500357/APE:9999B", ("55202210500357", True)),
        ("828 213 371", (None, True)),  # a SIREN is not a SIRET
        ("1", (None, True)),
        ("00000000000000", (None, False)),
        ("", (None, False)),
        ("W751234567", ("W751234567", False)),
        ("w751234567", ("W751234567", False)),
    ],
)
def test_pivot(raw: str, expected: tuple[str | None, bool]) -> None:
    assert cleaning.clean_pivot(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1000, ("01000", True)),
        ("8000", ("08000", True)),
        (87000, ("87000", False)),
        ("87 000", ("87000", False)),
        (87000.0, ("87000", False)),
        ("ABCDE", (None, True)),
        ("870000", (None, True)),
        (None, (None, False)),
        ("", (None, False)),
    ],
)
def test_postcode(raw: object, expected: tuple[str | None, bool]) -> None:
    assert cleaning.clean_postcode(raw) == expected


def test_insee() -> None:
    assert cleaning.clean_insee(87085) == ("87085", False)
    assert cleaning.clean_insee("2a004") == ("2A004", False)
    assert cleaning.clean_insee(1033) == ("01033", True)
    assert cleaning.clean_insee("0null") == (None, True)


def test_emails_and_urls() -> None:
    assert cleaning.clean_email("Frederic.MERCENNE@adoma.fr") == (
        "frederic.mercenne@adoma.fr",
        False,
    )
    assert cleaning.clean_email("mailto:a@b.fr") == ("a@b.fr", True)
    assert cleaning.clean_email("lelien@paysapt-luberon.f") == (None, True)
    assert cleaning.clean_emails("a@b.fr - c@d.fr; a@b.fr") == (["a@b.fr", "c@d.fr"], False)
    assert cleaning.clean_url("www.unicites.fr") == ("https://www.unicites.fr", True)
    assert cleaning.clean_url("www.facebook.com/atelier") == (
        "https://www.facebook.com/atelier",
        True,
    )
    assert cleaning.clean_url("https://apije.org") == ("https://apije.org", False)
    assert cleaning.clean_url("pas de site") == (None, True)
    assert cleaning.clean_urls("https://a.fr|https://b.fr") == (
        ["https://a.fr", "https://b.fr"],
        False,
    )


def test_coordinates() -> None:
    assert cleaning.clean_coordinates("45.83", "1.26") == (45.83, 1.26, False)
    assert cleaning.clean_coordinates("45,83", "1,26") == (45.83, 1.26, False)
    assert cleaning.clean_coordinates(1.26, 45.83) == (45.83, 1.26, True)  # swapped
    assert cleaning.clean_coordinates(42.70, 9.45) == (42.70, 9.45, False)  # Bastia
    assert cleaning.clean_coordinates(-20.88, 55.45) == (-20.88, 55.45, False)  # Saint-Denis RE
    assert cleaning.clean_coordinates(55.45, -20.88) == (-20.88, 55.45, True)
    assert cleaning.clean_coordinates(-12.78, 45.23)[2] is False  # Mayotte
    assert cleaning.clean_coordinates(4.93, -52.33)[2] is False  # Cayenne
    assert cleaning.clean_coordinates(16.24, -61.53)[2] is False  # Guadeloupe
    assert cleaning.clean_coordinates(14.6, -61.07)[2] is False  # Martinique
    assert cleaning.clean_coordinates("", "") == (None, None, False)
    assert cleaning.clean_coordinates(0, 0) == (None, None, True)
    assert cleaning.clean_coordinates("abc", "1.2") == (None, None, True)
    with pytest.raises(Reject) as error:
        cleaning.clean_coordinates(40.71, -74.0)  # New York
    assert error.value.reason == "coordonnées hors de France"


def test_dates() -> None:
    assert cleaning.parse_date("2022-04-24") == (date(2022, 4, 24), False)
    assert cleaning.parse_date("15/03/2021") == (date(2021, 3, 15), False)
    assert cleaning.parse_date("2023-02-22T10:00:00Z") == (date(2023, 2, 22), False)
    assert cleaning.parse_date("31/02/2021") == (None, True)
    assert cleaning.parse_date("hier") == (None, True)
    assert cleaning.parse_date(None) == (None, False)


def test_placeholder_dates_are_unknown() -> None:
    # the Charente file (charente-lieux-2023-07.json) has one record "updated" 1970-01-01
    assert cleaning.parse_date("1970-01-01") == (None, True)
    assert cleaning.parse_date("01/01/1970") == (None, True)
    assert cleaning.parse_date("1970-01-01T00:00:00Z") == (None, True)
    assert cleaning.parse_date("1900-01-01") == (None, True)
    assert cleaning.parse_date("1999-12-31") == (None, True)  # before any such directory
    assert cleaning.parse_date("2999-01-01") == (None, True)  # in the future
    assert cleaning.parse_date(date(1970, 1, 1)) == (None, True)
    assert cleaning.parse_date("2000-01-01") == (date(2000, 1, 1), False)


def test_luhn() -> None:
    assert cleaning.luhn_ok("43493312300029")
    assert not cleaning.luhn_ok("43493312300028")


def test_a_subnormal_coordinate_is_stored_as_zero():
    # a stored 5e-324 would make PostgreSQL's radians() underflow in every later search
    assert cleaning.clean_coordinates("45.83", "5e-324") == (45.83, 0.0, False)
    assert cleaning.parse_float(5e-324) == 0.0 and cleaning.parse_float(float("nan")) is None
