"""Ranking territories for an "aller vers" pilot: components, normalisation, weights, ties."""

from __future__ import annotations

import pytest

from mapdir.planner.mclp import solve_mclp
from mapdir.planner.ranking import COMPONENTS, DEFAULT_WEIGHTS, rank_territories
from mapdir.planner.synthetic import synthetic_departement
from mapdir.planner.travel import Place, access_by_code, coverage_relation


@pytest.fixture(scope="module")
def departement():
    dep = synthetic_departement(300, 3, seed=11)
    current = access_by_code(dep.communes, dep.offers)
    coverage = coverage_relation(dep.communes, dep.communes, 20)
    return dep, current, coverage


def test_components_match_their_definitions(departement) -> None:
    dep, current, coverage = departement
    ranking = rank_territories(
        dep.communes, current, dep.communes, coverage, dep.territory_of, k_stops=2
    )
    assert {t.code for t in ranking} == set(dep.territory_of.values())
    for territory in ranking:
        members = [c for c in dep.communes if dep.territory_of[c.code] == territory.code]
        lost = [c for c in members if current[c.code] > 20]
        total = sum(c.population for c in members)
        assert territory.total_population == pytest.approx(total)
        assert territory.components["uncovered_population"] == pytest.approx(
            sum(c.population for c in lost)
        )
        assert territory.components["uncovered_share"] == pytest.approx(
            sum(c.population for c in lost) / total
        )
        assert territory.fragility_source == "population"
        assert territory.components["fragile_uncovered"] == pytest.approx(
            territory.components["uncovered_population"]
        )
        assert (
            0
            <= territory.components["stop_gain"]
            <= (territory.components["uncovered_population"] + 1e-6)
        )
        assert len(territory.proposed_stops) == 2
        assert all(dep.territory_of[s] == territory.code for s in territory.proposed_stops)


def test_scores_are_normalised_weighted_and_sorted(departement) -> None:
    dep, current, coverage = departement
    ranking = rank_territories(dep.communes, current, dep.communes, coverage, dep.territory_of)
    for name in COMPONENTS:
        values = [t.normalised[name] for t in ranking]
        assert max(values) == pytest.approx(1.0)
        assert min(values) >= 0.0
    for territory in ranking:
        expected = sum(DEFAULT_WEIGHTS[n] * territory.normalised[n] for n in COMPONENTS)
        assert territory.score == pytest.approx(expected / sum(DEFAULT_WEIGHTS.values()))
    assert [t.rank for t in ranking] == list(range(1, len(ranking) + 1))
    assert [t.score for t in ranking] == sorted((t.score for t in ranking), reverse=True)


def test_weights_change_the_order(departement) -> None:
    dep, current, coverage = departement
    only_lost = {name: 0.0 for name in COMPONENTS} | {"uncovered_population": 1.0}
    ranking = rank_territories(
        dep.communes, current, dep.communes, coverage, dep.territory_of, weights=only_lost
    )
    lost = [t.components["uncovered_population"] for t in ranking]
    assert lost == sorted(lost, reverse=True)
    with pytest.raises(ValueError, match="Poids invalides"):
        rank_territories(
            dep.communes, current, dep.communes, coverage, dep.territory_of, weights={"x": 1.0}
        )


def test_population_65_plus_and_fragility_weights_are_used(departement) -> None:
    dep, current, coverage = departement
    with_65 = rank_territories(
        dep.communes,
        current,
        dep.communes,
        coverage,
        dep.territory_of,
        population_65_plus=dep.population_65_plus,
    )
    for territory in with_65:
        expected = sum(
            dep.population_65_plus[c.code]
            for c in dep.communes
            if dep.territory_of[c.code] == territory.code and current[c.code] > 20
        )
        assert territory.fragility_source == "population_65_plus"
        assert territory.components["fragile_uncovered"] == pytest.approx(expected)
    doubled = {c.code: 2.0 for c in dep.communes}
    weighted = rank_territories(
        dep.communes, current, dep.communes, coverage, dep.territory_of, fragility_weight=doubled
    )
    for territory in weighted:
        assert territory.fragility_source == "fragility_weight"
        assert territory.components["fragile_uncovered"] == pytest.approx(
            2 * territory.components["uncovered_population"]
        )


def test_stop_gain_is_the_greedy_gain_inside_the_territory(departement) -> None:
    dep, current, coverage = departement
    ranking = rank_territories(
        dep.communes, current, dep.communes, coverage, dep.territory_of, k_stops=3
    )
    leader = ranking[0]
    members = [c for c in dep.communes if dep.territory_of[c.code] == leader.code]
    local = solve_mclp(
        members, current, members, coverage_relation(members, members, 20), 3, solver="greedy"
    )
    assert leader.components["stop_gain"] == pytest.approx(local.gain)
    assert leader.proposed_stops == local.stop_codes


def test_equal_scores_are_ranked_by_code() -> None:
    # Two mirror territories with identical figures, listed in reverse code order.
    communes = [
        Place("B1", 1.0, 45.0, 400),
        Place("B2", 1.02, 45.0, 100),
        Place("A1", 3.0, 45.0, 400),
        Place("A2", 3.02, 45.0, 100),
    ]
    current = {"B1": 50.0, "B2": 10.0, "A1": 50.0, "A2": 10.0}
    territory_of = {"B1": "TB", "B2": "TB", "A1": "TA", "A2": "TA"}
    coverage = coverage_relation(communes, communes, 20)
    ranking = rank_territories(communes, current, communes, coverage, territory_of, k_stops=1)
    assert ranking[0].score == pytest.approx(ranking[1].score)
    assert [t.code for t in ranking] == ["TA", "TB"]
