"""The one CSV writer (issue 19, finding 7): formula neutralisation and the dialects."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from mapdir import csv_export
from mapdir.csv_export import FRENCH_SPREADSHEET, STANDARD, STANDARD_BOM

FORMULAS = [
    '=HYPERLINK("http://evil.example","x")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "-",
    "+33 5 55",  # not a plain number: could hide anything after the spaces
]
PLAIN = ["Limoges", "", "1 rue de l'=égalité", "'=déjà neutre", "-1.25", "+33555123456", "3,5"]


@pytest.mark.parametrize("value", FORMULAS)
def test_formula_starts_get_a_quote(value):
    assert csv_export.neutralise(value) == "'" + value
    assert csv_export.neutralise(csv_export.neutralise(value)) == "'" + value


@pytest.mark.parametrize("value", PLAIN)
def test_text_and_plain_numbers_stay(value):
    assert csv_export.neutralise(value) == value


def _parse(text: str, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=delimiter))


def test_standard_dialect_types_and_neutralisation():
    rows = [
        {"nom": "=1+1", "n": -3, "x": 1.5, "d": date(2024, 5, 2), "l": ["a", "b"], "v": None},
        ("Lieu; avec, virgules", 4, float("nan"), None, [], "@x"),
    ]
    text = csv_export.to_text(("nom", "n", "x", "d", "l", "v"), rows, STANDARD)
    assert not text.startswith("\ufeff") and text.endswith("\r\n")
    assert _parse(text) == [
        ["nom", "n", "x", "d", "l", "v"],
        ["'=1+1", "-3", "1.5", "2024-05-02", "a|b", ""],
        ["Lieu; avec, virgules", "4", "", "", "", "'@x"],
    ]
    assert csv_export.to_text(("a",), [], STANDARD_BOM) == "\ufeffa\r\n"


def test_french_spreadsheet_dialect():
    data = csv_export.to_bytes(
        ("nom", "km"), [("Saint-Léonard", 12.5), ("-x", -0.25)], FRENCH_SPREADSHEET
    )
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8")
    assert text.splitlines()[1] == "Saint-Léonard;12,5"
    assert _parse(text, ";") == [["nom", "km"], ["Saint-Léonard", "12,5"], ["'-x", "-0,25"]]


def test_streaming_lines_write_the_same_text():
    rows = [("a", 1), ("=b", 2)]
    out = io.StringIO()
    csv_export.write(out, ("x", "y"), rows, FRENCH_SPREADSHEET)
    lines = list(csv_export.iter_lines(("x", "y"), rows, FRENCH_SPREADSHEET))
    assert len(lines) == 3 and "".join(lines) == out.getvalue()


def test_freshness_csv_uses_the_writer():
    from mapdir.editing.freshness import to_csv

    row = {"id": 7, "nom": "=1+1", "commune": "@Limoges", "statut": "active"}
    row |= {"date_maj": "2024-01-01", "confirmee_le": "", "categories": ["obsolete"]}
    text = to_csv([row])
    assert text.startswith("\ufeffid,nom,commune")
    assert _parse(text)[1] == [
        "7", "'=1+1", "'@Limoges", "active", "2024-01-01", "", "Obsolète (plus de 12 mois)"
    ]  # fmt: skip
