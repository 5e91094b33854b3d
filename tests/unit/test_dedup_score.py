"""Tests of the cross-source duplicate scorer: components, hand-labelled real pairs, speed."""

from __future__ import annotations

import dataclasses
import json
import math
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from mapdir.geo.geodesy import haversine_m
from mapdir.offers import dedup_similarity
from mapdir.offers.dedup_score import PairSide, anct_score, score_pair
from mapdir.offers.dedup_similarity import (
    address_similarity,
    name_kinds,
    name_similarity,
    normalize_address,
    normalize_name,
)
from tests import dedup_pairs

TESTS_DIR = Path(__file__).resolve().parents[1]
LABELLED = TESTS_DIR / "data" / "dedup_pairs_labelled.json"
DATA_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "offers"

LIMOGES = (45.8336, 1.2611)


def side(nom: str, adresse: str = "5 rue Jean Jaurès", **kw: object) -> PairSide:
    fields: dict[str, object] = {
        "code_postal": "87000",
        "code_insee": "87085",
        "latitude": LIMOGES[0],
        "longitude": LIMOGES[1],
    }
    fields.update(kw)
    return PairSide(nom=nom, adresse=adresse, **fields)  # type: ignore[arg-type]


def side_from_json(record: dict) -> PairSide:
    return PairSide(
        nom=record["nom"],
        adresse=record["adresse"],
        code_postal=record["code_postal"],
        code_insee=record["code_insee"],
        pivot=record["pivot"],
        latitude=record["lat"],
        longitude=record["lon"],
        telephones=tuple(record["telephones"]),
        courriels=tuple(record["courriels"]),
        source=record["source"],
        commune=record["commune"],
    )


def load_labelled(decided: bool = True) -> list[dict]:
    """The labelled pairs; ``decided``: without the few the labeller could not decide."""
    pairs = json.loads(LABELLED.read_text(encoding="utf-8"))["pairs"]
    return [p for p in pairs if p["label"] is not None] if decided else pairs


def is_hard(pair: dict) -> bool:
    distance = pair["distance_m"] if pair["distance_m"] is not None else math.nan
    return dedup_pairs.hard_case(pair["a"], pair["b"], distance) is not None


# --- components -------------------------------------------------------------------------


def test_haversine_one_degree_of_latitude_is_about_111_km() -> None:
    assert haversine_m(1.0, 45.0, 1.0, 46.0) == pytest.approx(111_195, rel=1e-3)
    assert haversine_m(1.0, 45.0, 1.0, 45.0) == 0
    assert haversine_m(1.0, 45.0, 2.0, 45.0) == pytest.approx(78_626, rel=1e-3)  # lon first


@pytest.mark.parametrize(
    ("raw", "numbers", "suffix", "street_type", "street"),
    [
        ("5-9 R. des Papetiers", (5, 9), "", "rue", "papetiers"),
        ("30 bis Rue Pétricot", (30, 30), "bis", "rue", "petricot"),
        ("14b av. du Gal de Gaulle BP 12", (14, 14), "bis", "avenue", "general gaulle"),
        ("3 Cours Gay Lussac, 87000 Limoges", (3, 3), "", "cours", "gay lussac"),
        ("8 PL MAL DE TASSIGNY", (8, 8), "", "place", "marechal tassigny"),
        ("2 bd St-Michel", (2, 2), "", "boulevard", "saint michel"),
        ("0   Rue Du 8 Mai 1945", None, "", "rue", "8 mai 1945"),
        ("Place Clémenceau", None, "", "place", "clemenceau"),
    ],
)
def test_normalize_address(
    raw: str, numbers: tuple[int, int] | None, suffix: str, street_type: str, street: str
) -> None:
    parsed = normalize_address(raw)
    assert (parsed.numbers, parsed.suffix, parsed.street_type, parsed.street) == (
        numbers,
        suffix,
        street_type,
        street,
    )


def test_address_similarity_abbreviations_numbers_and_ranges() -> None:
    assert address_similarity("12 r. de la Paix", "12 RUE DE LA PAIX") == 1.0
    assert address_similarity("8 PL MAL DE TASSIGNY", "8 Place du Maréchal de Tassigny") == 1.0
    assert address_similarity("40-42 Route de Lurcy", "42 route de Lurcy") == 1.0
    assert address_similarity("41 Avenue des Coutures", "45 avenue des coutures") <= 0.6
    assert address_similarity("30 bis rue Pétricot", "30 rue Pétricot") <= 0.6
    assert address_similarity("14 rue Legrand", "14 avenue Legrand") == pytest.approx(0.9)
    assert address_similarity(None, "1 rue Thiers") is None


def test_normalize_name_drops_kind_and_stop_words() -> None:
    assert normalize_name("Espace France Services de Sceaux") == "sceaux"
    assert normalize_name("Mairie de Saint-Junien") == "saint junien"
    assert normalize_name("Médiathèque de Couzeix") == "couzeix"
    assert name_kinds("Maison France Service") == {"france_services"}
    assert name_kinds("CENTRE COMMUNAL D'ACTION SOCIALE") == {"ccas"}
    assert "itinerant" in name_kinds("Bus France services Ambazac")
    assert name_similarity("France services de Sombernon", "France services") == 0.8
    assert name_similarity("LEPOLES", "Culture Alpha") < 0.5


# --- evidence rules ---------------------------------------------------------------------


def test_same_siret_wins_over_different_spellings() -> None:
    a = side("SATHE 87", pivot="33862963700046")
    b = side("Services d'accompagnement des travailleurs handicapés", pivot="33862963700046")
    without = score_pair(side("SATHE 87"), side(b.nom))
    with_siret = score_pair(a, b)
    assert with_siret.meme_siret and "même SIRET" in with_siret.explications
    assert with_siret.decision == "fusion"
    assert with_siret.score > without.score


def test_null_siret_is_no_evidence() -> None:
    nulls = score_pair(side("Tiers-lieu", pivot="00000000000000"), side("Kesaco", pivot="0" * 14))
    nones = score_pair(side("Tiers-lieu"), side("Kesaco"))
    assert not nulls.meme_siret and not nulls.siret_differents
    assert nulls.score == nones.score


def test_same_siret_far_apart_is_another_site() -> None:
    a = side("MDSI Moreuil", "13 rue Maurice Garin", pivot="22800001400016")
    b = side("MDSI Péronne", "20 place du jeu de paume", pivot="22800001400016",
             latitude=LIMOGES[0] + 0.3, code_insee="80620", code_postal="80200")  # fmt: skip
    result = score_pair(a, b)
    assert result.decision == "distinct"
    assert any("autre site" in line for line in result.explications)


def test_different_siren_is_evidence_against_but_not_another_nic() -> None:
    base = score_pair(side("IML Paris"), side("IML Pantin")).score
    other_company = score_pair(
        side("IML Paris", pivot="34106240400866"), side("IML Pantin", pivot="85195400800013")
    )
    same_company = score_pair(
        side("IML Paris", pivot="34106240400866"), side("IML Pantin", pivot="34106240402706")
    )
    assert other_company.siret_differents and other_company.score < base
    assert not same_company.siret_differents and same_company.score == base


def test_mairie_and_the_france_services_inside_are_distinct_unless_same_desk() -> None:
    mairie = side("Mairie de Recey-sur-Ource", "PL HOTEL DE VILLE", courriels=("mairie@recey.fr",))
    fs = side("France services de Recey-sur-Ource", "5 place de l'Hôtel de ville",
              courriels=("france.services@recey.fr",), telephones=("03 80 81 02 06",))  # fmt: skip
    separate = score_pair(mairie, fs)
    assert separate.types_incompatibles and separate.decision != "fusion"
    same_desk = score_pair(replace(mairie, telephones=("+33380810206",)), fs)
    assert same_desk.decision == "fusion"
    assert "même téléphone" in " ".join(same_desk.explications)


def test_itinerant_bus_is_never_the_fixed_office() -> None:
    bus = side("Bus France services Pimms Médiation Noisy", telephones=("01 43 05 18 89",))
    office = side("PIMMS de Noisy-le-Grand", telephones=("+33143051889",))
    result = score_pair(bus, office)
    assert result.meme_telephone and result.decision != "fusion"


def test_thresholds_are_parameters() -> None:
    a, b = side("Culture Alpha"), side("Culture Alpha", "5 r. Jean-Jaurès")
    assert score_pair(a, b).decision == "fusion"
    assert score_pair(a, b, seuil_fusion=101, seuil_verification=90).decision == "a_verifier"
    assert score_pair(a, b, seuil_fusion=101, seuil_verification=101).decision == "distinct"


def test_explanations_are_french_and_give_the_distance() -> None:
    b = side("Culture Alpha", latitude=LIMOGES[0] + 0.0003)
    result = score_pair(side("Culture Alpha"), b)
    assert result.distance_m == pytest.approx(33, abs=1)
    assert "à 33 m" in result.explications
    assert "noms proches (1.00)" in result.explications


def test_anct_score_definition() -> None:
    same = side("France services Nexon")
    assert anct_score(same, same) == 100
    far = side("France services Nexon", latitude=LIMOGES[0] + 0.001)  # 0.001° -> 50 points
    assert anct_score(same, far) == math.trunc((100 + 100 + 50) / 3)


# --- hand-labelled real pairs -----------------------------------------------------------


def test_labelled_sample_is_varied_and_self_contained() -> None:
    every = load_labelled(decided=False)
    pairs = load_labelled()
    assert len(pairs) >= 200 and len(every) - len(pairs) <= 5  # a few left undecided
    labels = [p["label"] for p in pairs]
    assert 0.3 < sum(labels) / len(labels) < 0.7
    assert sum(map(is_hard, pairs)) >= len(pairs) / 2  # half of them hard cases
    assert sum(p["a"]["source"] == p["b"]["source"] for p in pairs) >= 30  # within a source
    departments = {dedup_pairs.department(p["a"]) for p in pairs}
    assert {"87", "93", "31", "16"} <= departments and len(departments) >= 10
    scores = [p["tirage"]["score"] for p in pairs if "tirage" in p]
    for low, high in dedup_pairs.SCORE_BINS:  # drawn across the range of scores
        assert sum(low <= score < high for score in scores) >= 15, (low, high)
    for pair in every:
        assert pair["reason"]
        assert pair["lot"] in ("mise_au_point", "controle")
        for key in ("nom", "adresse", "code_postal", "code_insee", "pivot", "lat", "lon"):
            assert key in pair["a"] and key in pair["b"]


def precision_recall(pairs: list[dict], merged: Callable[[PairSide, PairSide], bool]) -> tuple:
    """(precision, recall, true positives, false positives, false negatives)."""
    tp = fp = fn = 0
    for pair in pairs:
        decision = merged(side_from_json(pair["a"]), side_from_json(pair["b"]))
        tp += decision and pair["label"]
        fp += decision and not pair["label"]
        fn += (not decision) and pair["label"]
    return tp / max(1, tp + fp), tp / max(1, tp + fn), tp, fp, fn


def test_precision_and_recall_on_labelled_pairs(capsys: pytest.CaptureFixture[str]) -> None:
    pairs = load_labelled()
    scorers = {
        "nous": lambda a, b: score_pair(a, b).decision == "fusion",
        "ANCT": lambda a, b: anct_score(a, b) >= 83,
    }
    samples = {
        "tout": pairs,
        "lot mise au point": [p for p in pairs if p["lot"] == "mise_au_point"],
        "lot contrôle": [p for p in pairs if p["lot"] == "controle"],
        "cas difficiles": [p for p in pairs if is_hard(p)],
        "même source": [p for p in pairs if p["a"]["source"] == p["b"]["source"]],
    }
    results = {
        (sample, scorer): precision_recall(subset, merged)
        for sample, subset in samples.items()
        for scorer, merged in scorers.items()
    }
    queued = sum(score_pair(side_from_json(p["a"]), side_from_json(p["b"])).decision
                 == "a_verifier" for p in pairs)  # fmt: skip
    with capsys.disabled():
        print(
            f"\n[dedup] {len(pairs)} paires étiquetées ({sum(p['label'] for p in pairs)} doublons,"
            f" {sum(map(is_hard, pairs))} cas difficiles) ; {queued} envoyées à la file"
            " /edition/doublons"
        )
        for (sample, scorer), (precision, recall, tp, fp, fn) in results.items():
            print(
                f"[dedup] {sample:<17} {scorer:<4} précision {precision:.3f} "
                f"rappel {recall:.3f} (VP {tp}, FP {fp}, FN {fn})"
            )
    precision, recall, *_ = results[("tout", "nous")]
    assert precision >= 0.97
    assert recall >= 0.9


# --- candidate pairs from the real files and speed --------------------------------------


@pytest.fixture(scope="module")
def real_records() -> list[dict]:
    return dedup_pairs.load_records(DATA_DIR)


def test_labelled_records_match_the_real_files(real_records: list[dict]) -> None:
    by_key = {(r["source"], r["source_id"]): r for r in real_records}
    for pair in load_labelled():
        for rec in (pair["a"], pair["b"]):
            real = by_key[(rec["source"], rec["source_id"])]
            assert (real["nom"], real["adresse"], real["pivot"]) == (
                rec["nom"],
                rec["adresse"],
                rec["pivot"],
            )


def test_candidate_pairs_near_same_siret_or_shared_contact(real_records: list[dict]) -> None:
    pairs = dedup_pairs.candidate_pairs(real_records)
    assert len(pairs) > 5000
    same_source = 0
    for i, j, distance in pairs:
        a, b = real_records[i], real_records[j]
        same_source += a["source"] == b["source"]
        shared = dedup_pairs._phones(a) & dedup_pairs._phones(b) or (
            dedup_pairs._emails(a) & dedup_pairs._emails(b)
        )
        assert (
            distance <= 300
            or (dedup_pairs.is_real_siret(a["pivot"]) and a["pivot"] == b["pivot"])
            or (shared and not distance > 5000)
        )
    assert same_source > 1000  # a source's own duplicates are candidates too


def test_scoring_20000_pairs_from_cold_caches_decides_as_with_warm_ones(
    real_records: list[dict], capsys: pytest.CaptureFixture[str]
) -> None:
    """The scorer's caches change its speed, never its decisions (the speed itself is a
    figure printed here, not asserted: a busy machine must not fail a test)."""
    pairs = dedup_pairs.candidate_pairs(real_records)
    sides = [side_from_json(r) for r in real_records]
    work = [(sides[i], sides[j]) for i, j, _ in pairs]
    work = (work * (20_000 // len(work) + 1))[:20_000]
    for value in vars(dedup_similarity).values():  # start cold: no normalisation cached
        if hasattr(value, "cache_clear"):
            value.cache_clear()
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    decisions = [score_pair(a, b).decision for a, b in work]
    wall, cpu = time.perf_counter() - start_wall, time.process_time() - start_cpu
    with capsys.disabled():
        print(
            f"\n[dedup] 20 000 paires notées en {cpu:.2f} s CPU ({wall:.2f} s réel), caches vides"
            f" au départ; fusion {decisions.count('fusion')}, à vérifier"
            f" {decisions.count('a_verifier')}"
        )
    assert set(decisions) <= {"fusion", "a_verifier", "distinct"}
    assert [score_pair(a, b).decision for a, b in work] == decisions  # warm caches


def test_commune_level_record_with_shared_phone_is_located_by_it():
    """A record placed only at its commune (no address, no point) and a precise one of the
    same commune sharing a phone: the phone is the location evidence (Saint-Léonard case)."""
    fs = PairSide(
        nom="France services Saint-Léonard-de-Noblat - Maison Simone Veil",
        adresse="15 Rue de Beaufort",
        code_insee="87161",
        latitude=45.8313,
        longitude=1.4908,
        telephones=("+33519090070",),
        source="france-services",
    )
    hv = PairSide(
        nom="France Services - Espace Simone Veil",
        code_insee="87161",
        telephones=("+33519090070",),
        source="haute-vienne",
    )
    assert score_pair(fs, hv).decision == "fusion"
    other_phone = dataclasses.replace(hv, telephones=("+33555000000",))
    assert score_pair(fs, other_phone).decision != "fusion"
    elsewhere = dataclasses.replace(hv, code_insee="87085")
    assert score_pair(fs, elsewhere).decision != "fusion"


def test_the_bus_is_never_its_depot_even_with_the_same_address_and_e_mail() -> None:
    # France Services 87: the Ambazac office and its bus, same address and e-mail
    office = side("France services Pimms Médiation Ambazac", courriels=("ambazac@pimms.org",))
    bus = side("Bus France services Pimms Médiation Ambazac", courriels=("ambazac@pimms.org",))
    assert score_pair(office, bus).decision == "distinct"
