"""Permanences extracted while importing real France Services records (etl/prepare.py).

The records are cut from the real file at test time: the comment goes through the
mapper's cleaning before the extractor reads it, as in a real run.
"""

from __future__ import annotations

import csv

import pytest

from etl.prepare import prepare_records
from etl.sources import SOURCES


@pytest.fixture(scope="module")
def fs_rows(shared_data) -> dict[str, dict]:
    path = shared_data / "offers" / "france-services-2024-08-01.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["id_fs"]: row for row in csv.DictReader(handle)}


def _permanences(conn, row: dict) -> set[tuple[str, str, str]]:
    prepared, rejects = prepare_records(conn, SOURCES["france-services"], [row])
    assert not rejects
    return {
        (p["code_insee"], p["commune_nom"], p["horaires"])
        for p in prepared[0].donnees["permanences"]
    }


def test_le_creusot_permanence_at_le_breuil_keeps_its_own_hours(conn, fs_rows):
    # "Sur rendez-vous les mercredi et jeudi de 13h30 à 16h30     Permanence supplémentaire
    # tous les jeudis de 9h à 12h à l'Espace F MITTERRAND du Breuil": the wide gap ends the
    # main site's hours (collapsed to one space, Le Breuil took them)
    assert _permanences(conn, fs_rows["1811"]) == {("71059", "Le Breuil", "Th 09:00-12:00")}


def test_delegated_communes_of_gouffern_en_auge_are_stops(conn, fs_rows):
    found = _permanences(conn, fs_rows["1938"])
    assert found == {
        ("61494", "Trun", "Mo 09:00-12:00; Th 14:00-17:00"),
        ("61474", "Chambois", "Mo 14:00-17:00; We 09:00-12:00"),
        ("61474", "Silly en Gouffern", "Tu,Fr 09:00-12:00"),
        ("61474", "Exmes", "Tu 14:00-17:00"),
        ("61055", "Boucé", "Th 09:00-12:00"),
    }
