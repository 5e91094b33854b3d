"""Opening hours: France Services day columns, free text, OSM validation."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

import opening_hours
import pytest

from etl.hours import fs_days_to_osm, parse_fs_day
from mapdir.hours.free_text import free_text_to_osm
from mapdir.hours.osm import validate_osm, week_to_osm

OFFERS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "offers"
WEEKDAYS = ("h_lundi", "h_mardi", "h_mercredi", "h_jeudi", "h_vendredi", "h_samedi")


def test_validate_osm() -> None:
    assert validate_osm("Mo-Fr 09:00-12:00,13:30-17:00; Sa 09:00-12:00")
    assert not validate_osm("Lundi au vendredi")
    assert not validate_osm("")
    assert not validate_osm(None)


def test_fs_days_group_identical_days() -> None:
    week = dict.fromkeys(WEEKDAYS[:5], "09:00 - 12:00 / 13:30 - 17:00")
    week["h_samedi"] = "09:00 - 12:00"
    assert fs_days_to_osm(week) == "Mo-Fr 09:00-12:00,13:30-17:00; Sa 09:00-12:00"


def test_fs_days_non_consecutive_and_variants() -> None:
    week = {
        "h_lundi": "13:30 - 17:00",
        "h_mardi": "9h-12h / 13h30-17h",
        "h_mercredi": "09:00-12:00/13:30 - 17:00",
        "h_jeudi": "09:00 - 12:00 / 13:30 - 17:00",
        "h_vendredi": "13:30-17:00",
        "h_samedi": "-",
    }
    assert fs_days_to_osm(week) == "Mo,Fr 13:30-17:00; Tu-Th 09:00-12:00,13:30-17:00"


def test_fs_days_never_invent() -> None:
    assert fs_days_to_osm(dict.fromkeys(WEEKDAYS, "")) is None
    week = dict.fromkeys(WEEKDAYS, "")
    week["h_mardi"] = "09:00-13:00-/3:00-16:00"  # garbled: the whole week is refused
    week["h_lundi"] = "09:00 - 12:00"
    assert fs_days_to_osm(week) is None


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("09:00 - 12:00 / 13:30 - 17:00", [(540, 720), (810, 1020)]),
        ("9h-12h", [(540, 720)]),
        ("", []),
        ("-", []),
        ("00:00 - 00:00 / 09:00 - 12:00 / 14:00 - 17:00", [(540, 720), (840, 1020)]),
        ("09:00 - 12:00 / 09:00 - 12:00 / 14:00 - 17:00", [(540, 720), (840, 1020)]),
        ("09:00 - 12:30 / 09:00 - 17:00 / 14:00 - 17:00", [(540, 1020)]),
        ("08 :00-12:00/14:00-17:00", [(480, 720), (840, 1020)]),
        ("09:00-12:00 / 13:30", None),
        ("12:00 - 09:00", None),
        ("fermé le matin", None),
    ],
)
def test_parse_fs_day(cell: str, expected: list[tuple[int, int]] | None) -> None:
    assert parse_fs_day(cell) == expected


def test_every_real_france_services_week_converts_or_is_refused_and_output_validates() -> None:
    converted = refused = empty = 0
    for name in ("france-services-2022-12-01.csv", "france-services-2024-08-01.csv"):
        with (OFFERS / name).open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                week = {day: row[day] for day in WEEKDAYS}
                osm = fs_days_to_osm(week)
                if osm:
                    converted += 1
                    assert opening_hours.validate(osm), (osm, week)
                elif any(v.strip() not in ("", "-") for v in week.values()):
                    refused += 1
                else:
                    empty += 1
    print(f"\nFrance Services weeks: {converted} converted, {refused} refused, {empty} empty")
    assert converted > 5000 and refused < 20


def test_week_to_osm_checks_its_output() -> None:
    assert week_to_osm({0: [(540, 720)], 1: [(540, 720)], 5: [(540, 720)]}) == (
        "Mo,Tu,Sa 09:00-12:00"
    )
    assert week_to_osm({}) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Lundi au vendredi 9h-12h 14h-17h", "Mo-Fr 09:00-12:00,14:00-17:00"),
        (
            "Lundi au vendredi 10h/12h 14h/17h30 - sam 10h/12h",
            "Mo-Fr 10:00-12:00,14:00-17:30; Sa 10:00-12:00",
        ),
        ("Du lundi au samedi de 14h00 à 18h00", "Mo-Sa 14:00-18:00"),
        (
            "Mar, jeu, ven : 16-18h. Mer : 14-18h. Sam : 10-13h",
            "Tu,Th,Fr 16:00-18:00; We 14:00-18:00; Sa 10:00-13:00",
        ),
        ("mar/mer/jeu/ven: 9h/12h", "Tu-Fr 09:00-12:00"),
        ("Du lundi au mercredi et vendredi de 8h30 à 16h30", "Mo-We,Fr 08:30-16:30"),
        ("du mardi au vendredi de 8 h 30 à 12 h 30", "Tu-Fr 08:30-12:30"),
        ("Lundi et mercredi : 8h30 - 12h15 et 13h15 - 17h 00", "Mo,We 08:30-12:15,13:15-17:00"),
        (
            "Lun au jeu: 8h30h/12h-14h/17h ven: 8h/12h - 14h/16",
            "Mo-Th 08:30-12:00,14:00-17:00; Fr 08:00-12:00,14:00-16:00",
        ),
        ("Mo-Fr 9h-12h30,13h30-17h", "Mo-Fr 09:00-12:30,13:30-17:00"),
    ],
)
def test_free_text_common_shapes(text: str, expected: str) -> None:
    assert free_text_to_osm(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Se rapprocher de l'organisme",
        "Quotidien",
        "Du lundi au vendredi",  # no times
        "9h à 12h  / 14h à 18h",  # no days
        "Les mardis de 9h00 à 10h30 ou de 16h00 à 17h30",  # alternative
        "Le vendredi, une fois par mois, de 10h00 à 11h30",  # not weekly
        "Mer au sam : pér. scolaire. Lun au Ven : vacances",
        "Du lundi au vendredi de 9h à 12h et d",  # truncated
        "du lundi au vendredi de 08h30 à 12h00 et de 13h30",  # truncated, odd times
        "Mar : 9-11h et 14h30-16h30 et Mer et Jeu : 3-11 h",  # 3 am
        "Individuel : Sur RDV / Collectif : Planning",
        "",
    ],
)
def test_free_text_refuses_when_unsure(text: str) -> None:
    assert free_text_to_osm(text) is None


def test_free_text_on_the_real_haute_vienne_file() -> None:
    rows = json.loads((OFFERS / "haute-vienne-acteurs-numerique-2023-04.json").read_text("utf-8"))
    values = [r["horaires"] for r in rows if str(r["horaires"]).strip()]
    distinct = set(values)
    results = {text: free_text_to_osm(text) for text in distinct}
    converted = [text for text in values if results[text]]
    print(
        f"\nHaute-Vienne free-text hours: {len(converted)}/{len(values)} non-empty values "
        f"converted ({len({t for t in distinct if results[t]})}/{len(distinct)} distinct)"
    )
    for osm in filter(None, results.values()):
        assert opening_hours.validate(osm), osm
    assert len(converted) >= 80
    tuesday_10am = datetime(2024, 4, 2, 10, 0)
    osm = results["Lundi au vendredi 10h/12h 14h/17h30 - sam 10h/12h"]
    assert opening_hours.OpeningHours(osm).is_open(tuesday_10am)
