"""Drive-time approximation, coverage relation and access classes of the planner."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mapdir.geo.geodesy import haversine_m
from mapdir.geo.travel import drive_minutes
from mapdir.planner.synthetic import synthetic_departement
from mapdir.planner.travel import (
    COUVERTE,
    PEU_COUVERTE,
    ZONE_BLANCHE,
    Place,
    access_minutes,
    classify,
    coverage_relation,
    distance_matrix_m,
)


def reference_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Textbook haversine with the math module (independent of the numpy code)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def test_haversine_paris_lyon_is_about_392_km() -> None:
    distance = haversine_m(2.3522, 48.8566, 4.8357, 45.7640)
    assert isinstance(distance, float)
    assert 390_000 < distance < 394_000
    assert distance == pytest.approx(reference_km(2.3522, 48.8566, 4.8357, 45.7640) * 1000)


def test_drive_minutes_uses_detour_and_speed() -> None:
    assert drive_minutes(10_000) == pytest.approx(10 * 1.3 / 50 * 60)  # 15.6 min
    assert drive_minutes(10_000, detour_factor=1.0, speed_kmh=60) == pytest.approx(10.0)
    assert np.allclose(drive_minutes(np.array([0.0, 5000.0])), [0.0, 7.8])
    with pytest.raises(ValueError):
        drive_minutes(1000, speed_kmh=0)


def test_matrix_matches_scalar_haversine() -> None:
    dep = synthetic_departement(40, 2, seed=5)
    matrix = distance_matrix_m(dep.communes[:15], dep.communes)
    for j, a in enumerate(dep.communes[:15]):
        for i, b in enumerate(dep.communes):
            assert matrix[j, i] == pytest.approx(
                reference_km(a.lon, a.lat, b.lon, b.lat) * 1000, abs=1.0
            )


def test_coverage_relation_lists_communes_within_threshold() -> None:
    dep = synthetic_departement(120, 2, seed=1)
    candidates = dep.communes[:10]
    relation = coverage_relation(candidates, dep.communes, threshold_min=20)
    assert relation.covers.shape == (10, 120)
    for candidate in candidates:
        expected = {
            b.code
            for b in dep.communes
            if reference_km(candidate.lon, candidate.lat, b.lon, b.lat) * 1.3 / 50 * 60 <= 20
        }
        assert set(relation.covered_by(candidate.code)) == expected
        assert candidate.code in expected  # a stop covers its own commune
    assert relation.as_dict()[candidates[0].code] == relation.covered_by(candidates[0].code)


def test_coverage_relation_for_600_communes_is_symmetric_and_reflexive() -> None:
    """The 600 × 600 relation of a synthetic département (its speed: benchmarks/
    bench_planner_mclp.py): every commune covers itself, and A covers B iff B covers A."""
    dep = synthetic_departement(600, 4, seed=2)
    relation = coverage_relation(dep.communes, dep.communes)
    assert relation.covers.shape == (600, 600)
    assert relation.covers.diagonal().all()
    assert (relation.covers == relation.covers.T).all()
    assert relation.covers.sum() > 600


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (0.0, COUVERTE),
        (20.0, COUVERTE),
        (20.01, PEU_COUVERTE),
        (30.0, PEU_COUVERTE),
        (30.5, ZONE_BLANCHE),
        (math.inf, ZONE_BLANCHE),
        (math.nan, ZONE_BLANCHE),
        (None, ZONE_BLANCHE),
    ],
)
def test_classify_default_thresholds(minutes: float | None, expected: str) -> None:
    assert classify(minutes) == expected


def test_classify_custom_thresholds_and_order_check() -> None:
    assert classify(12, covered=10, white=15) == PEU_COUVERTE
    with pytest.raises(ValueError):
        classify(5, covered=30, white=20)


def test_adding_an_offer_never_worsens_access() -> None:
    dep = synthetic_departement(300, 4, seed=7)
    before = access_minutes(dep.communes, dep.offers)
    without_offer = np.flatnonzero(before > 1e-3)
    rng = np.random.default_rng(7)
    for index in rng.choice(without_offer, size=10, replace=False):
        after = access_minutes(dep.communes, [*dep.offers, dep.communes[int(index)]])
        assert np.all(after <= before + 1e-9)
        assert after[int(index)] == pytest.approx(0.0, abs=1e-3)
        assert after[int(index)] < before[int(index)]


def test_access_without_offers_is_infinite() -> None:
    communes = [Place("A", 1.0, 45.0, 10), Place("B", 1.1, 45.0, 10)]
    assert np.all(np.isinf(access_minutes(communes, [])))
