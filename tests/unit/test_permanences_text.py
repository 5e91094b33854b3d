"""Tests of the free-text permanence extractor on real France Services comments."""

from __future__ import annotations

import csv
import json
import time
from collections import defaultdict
from pathlib import Path

import opening_hours
import pytest

from etl.commune_names import locality_name
from etl.permanences_text import CommuneIndex, extract_permanences
from mapdir.geo.readers import read_laposte_csv
from mapdir.hours.osm import horaires_atoms

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
COG_FILE = SHARED_DATA / "cog" / "communes-france-2026.csv"
LAPOSTE_FILE = SHARED_DATA / "cog" / "laposte-hexasmal-2023.csv"
FS_FILE = SHARED_DATA / "offers" / "france-services-2024-08-01.csv"
LABELS_FILE = Path(__file__).resolve().parents[1] / "data" / "fs_comments_labelled.json"


@pytest.fixture(scope="module")
def communes_by_dep() -> dict[str, list[tuple[str, str]]]:
    """Communes of each département, then La Poste's localities (delegated and former
    communes), as ``etl.resolve.CommuneIndex.departement_communes`` gives them."""
    by_dep: dict[str, list[tuple[str, str]]] = defaultdict(list)
    dep_of = {}
    with COG_FILE.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            by_dep[row["departement"]].append((row["code_insee"], row["nom"]))
            dep_of[row["code_insee"]] = row["departement"]
    laposte, _ = read_laposte_csv(LAPOSTE_FILE)
    for row in laposte:
        if row.ligne_5 and len(row.ligne_5) >= 4 and row.code_insee in dep_of:
            by_dep[dep_of[row.code_insee]].append((row.code_insee, locality_name(row.ligne_5)))
    return by_dep


@pytest.fixture(scope="module")
def labelled() -> list[dict]:
    return json.loads(LABELS_FILE.read_text(encoding="utf-8"))["commentaires"]


def _found(text: str, communes) -> set[tuple[str, str]]:
    return {(p.code_insee, p.horaires) for p in extract_permanences(text, communes).permanences}


def test_labelled_sample_precision_and_recall(labelled, communes_by_dep, capsys):
    fs_comments = {}
    with FS_FILE.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            fs_comments[row["id_fs"]] = row["commentaire"]
    assert len(labelled) >= 30
    correct = extracted = expected = 0
    for item in labelled:
        assert fs_comments[item["id_fs"]] == item["commentaire"], item["id_fs"]
        result = extract_permanences(item["commentaire"], communes_by_dep[item["insee_dep"]])
        got = {(p.code_insee, horaires_atoms(p.horaires)) for p in result.permanences}
        want = {(e["code_insee"], horaires_atoms(e["horaires"])) for e in item["attendu"]}
        correct += len(got & want)
        extracted += len(result.permanences)
        expected += len(item["attendu"])
    precision, recall = correct / max(extracted, 1), correct / expected
    with capsys.disabled():
        print(
            f"\n[permanences_text] échantillon étiqueté : {len(labelled)} commentaires, "
            f"{expected} permanences attendues, {extracted} extraites, {correct} correctes : "
            f"précision {precision:.3f}, rappel {recall:.3f}"
        )
    assert precision >= 0.9
    assert recall >= 0.6


def test_saint_leonard_permanence_at_sauviat_sur_vige(communes_by_dep):
    text = (
        "Permanences délocalisées à la mairie de Saint-Paul tous les 1er lundi du mois de "
        "9h30 à 12h00 et à la mairie de Sauviat-sur-Vige tous les 2ème vendredi de 9h30 à "
        "12h00. Uniquement sur rendez-vous au 05.19.09.00.70"
    )
    result = extract_permanences(text, CommuneIndex(communes_by_dep["87"]))
    by_code = {p.code_insee: p for p in result.permanences}
    assert set(by_code) == {"87174", "87190"}
    sauviat = by_code["87190"]
    assert sauviat.commune_nom == "Sauviat-sur-Vige"
    assert sauviat.horaires == "Fr[2] 09:30-12:00"
    assert sauviat.lieu == "Mairie"
    assert sauviat.extraite is True
    assert "Sauviat-sur-Vige" in sauviat.texte_original
    assert by_code["87174"].horaires == "Mo[1] 09:30-12:00"
    assert "Sauviat" not in result.reste
    assert "Uniquement sur rendez-vous" in result.reste


@pytest.mark.parametrize(
    "text",
    [
        "Structure NON itinérante",
        "Prise de rendez-vous au 05 19 09 00 82 ou par mail",
        "Permanence les 1er et 3ème Samedi du mois de 9h-12h pour les cartes d'identité",
        "Permanence le vendredi matin à la mairie de Sauviat-sur-Vige",  # no hours
        "Un vendredi sur deux : Mairie de Sauviat-sur-Vige 9h-12h.",  # no reference week
    ],
)
def test_comments_without_an_extractable_permanence(text, communes_by_dep):
    result = extract_permanences(text, communes_by_dep["87"])
    assert result.permanences == []
    assert result.reste == " ".join(text.split())


def test_commune_outside_the_departement_is_not_extracted(communes_by_dep):
    text = "Permanence à la mairie de Sauviat-sur-Vige le vendredi de 9h30 à 12h"
    assert _found(text, communes_by_dep["87"]) == {("87190", "Fr 09:30-12:00")}
    assert _found(text, communes_by_dep["23"]) == set()


def test_ambiguous_commune_names_are_not_extracted(communes_by_dep):
    # two communes of the list share the normalised name
    twins = [("99001", "Saint-Martin"), ("99002", "Saint Martin"), ("99003", "Douzy")]
    text = "Le mardi de 9h à 12h à Saint Martin, le jeudi de 14h à 16h30 à Douzy"
    assert _found(text, twins) == {("99003", "Th 14:00-16:30")}
    # "St Martin" is the start of several names of Seine-Maritime
    text = "Permanence à la mairie de St Martin le mardi de 9h à 12h"
    assert _found(text, communes_by_dep["76"]) == set()
    # an alternative place ("A ou B") is ambiguous as well
    text = "Mairie de PAILLY ou SERBONNES le 2ème Mardi du mois de 9h à 12h"
    assert _found(text, communes_by_dep["89"]) == set()


@pytest.mark.parametrize(
    ("schedule", "horaires"),
    [
        ("le vendredi de 9h30 à 12h00", "Fr 09:30-12:00"),
        ("VENDREDI 9H30-12H", "Fr 09:30-12:00"),
        ("les vendredis 09:30 - 12:00", "Fr 09:30-12:00"),
        ("chaque vendredi 9h30/12h", "Fr 09:30-12:00"),
        ("le vendredi de 9 h à 12 h et de 14h à 17h", "Fr 09:00-12:00,14:00-17:00"),
        ("le 2e vendredi du mois de 9h à 12h", "Fr[2] 09:00-12:00"),
        ("le premier et troisième lundi de 14h à 17h", "Mo[1,3] 14:00-17:00"),
        ("les 2éme et 4éme jeudis du mois 14h-16h", "Th[2,4] 14:00-16:00"),
        ("le dernier vendredi du mois de 9h à 12h", "Fr[-1] 09:00-12:00"),
        ("du lundi au vendredi de 9h à 12h", "Mo-Fr 09:00-12:00"),
        ("les mardis et jeudis de 14h à 17h", "Tu,Th 14:00-17:00"),
        ("le lundi de 9h à 12h et le mercredi de 14h à 17h", "Mo 09:00-12:00; We 14:00-17:00"),
    ],
)
def test_french_schedule_forms(schedule, horaires, communes_by_dep):
    text = f"Permanence à la mairie de Sauviat-sur-Vige {schedule}."
    found = extract_permanences(text, communes_by_dep["87"]).permanences
    assert [(p.code_insee, p.horaires) for p in found] == [("87190", horaires)]
    assert opening_hours.validate(found[0].horaires)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Permanences dans les mairies de St Pern et Médréac le jeudi de 9hà 12h", "35"),
        ("itinérance : - mardi : Ecordal 14h/16h30 - Mercredi : Givry sur Aisne 14h/16h", "08"),
        ("Valemeinier - tous les 1er lundis du mois 14h à 17h / Orelle - 2e lundis 9h-12h", "73"),
    ],
)
def test_name_variants(text, expected, communes_by_dep):
    codes = {p.code_insee for p in extract_permanences(text, communes_by_dep[expected]).permanences}
    wanted = {
        "35": {"35307", "35171"},  # Saint-Pern (abbreviated), Médréac
        "08": {"08151", "08193"},  # Écordal (accent), Givry ("Givry sur Aisne")
        "73": {"73307", "73194"},  # Valmeinier (misspelt, fuzzy), Orelle
    }[expected]
    assert codes == wanted


def test_horaires_atoms_compare_meaning_not_spelling():
    assert horaires_atoms("Mo,Tu 09:00-12:00") == horaires_atoms("Tu 09:00-12:00; Mo 09:00-12:00")
    assert horaires_atoms("Mo-We 09:00-12:00") == horaires_atoms("Mo,Tu,We 09:00-12:00")
    assert horaires_atoms("Th[2,4] 14:00-16:00") != horaires_atoms("Th 14:00-16:00")
    with pytest.raises(ValueError):
        horaires_atoms("sunrise-sunset")


def test_whole_2024_file(communes_by_dep, capsys):
    with FS_FILE.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if (row["commentaire"] or "").strip()]
    started = time.perf_counter()
    indexes: dict[str, CommuneIndex] = {}
    offers_with_permanence = total = 0
    for row in rows:
        dep = row["insee_dep"]
        if dep not in indexes:
            indexes[dep] = CommuneIndex(communes_by_dep[dep])
        permanences = extract_permanences(row["commentaire"], indexes[dep]).permanences
        offers_with_permanence += bool(permanences)
        total += len(permanences)
        for permanence in permanences:
            assert opening_hours.validate(permanence.horaires), permanence
            assert permanence.code_insee in {code for code, _ in communes_by_dep[dep]}
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(
            f"\n[permanences_text] fichier 2024 : {len(rows)} commentaires, "
            f"{offers_with_permanence} offres avec au moins une permanence, "
            f"{total} permanences, {elapsed:.2f} s (index des communes compris)"
        )
    assert offers_with_permanence >= 50


def test_alternating_weeks_are_written_as_week_parity(communes_by_dep):
    text = "Permanence à Sauviat-sur-Vige semaines paires, le vendredi de 9h à 12h"
    assert _found(text, communes_by_dep["87"]) == set()  # the marker qualifies no day
    text = "Permanence à Sauviat-sur-Vige le vendredi (semaines paires) de 9h à 12h"
    assert _found(text, communes_by_dep["87"]) == {("87190", "week 02-52/2 Fr 09:00-12:00")}
    text = "Les semaines impaires : mardi-Sauviat-sur-Vige 9h/12h ; jeudi-Nexon 14h/17h"
    found = _found(text, communes_by_dep["87"])
    assert found == {
        ("87190", "week 01-53/2 Tu 09:00-12:00"),
        ("87106", "week 01-53/2 Th 14:00-17:00"),
    }
    for _code, horaires in found:
        assert opening_hours.validate(horaires)


def test_delegated_communes_are_stops_of_their_commune(communes_by_dep):
    text = "PERMANENCE DE CHAMBOIS : LUNDI 14H-17H - PERMANENCE D'EXMES : MARDI 14H-17H"
    result = extract_permanences(text, communes_by_dep["61"])
    assert {(p.code_insee, p.commune_nom, p.horaires) for p in result.permanences} == {
        ("61474", "Chambois", "Mo 14:00-17:00"),
        ("61474", "Exmes", "Tu 14:00-17:00"),
    }
