"""Ranking territories (EPCIs, cantons) for a pilot "aller vers" mission.

Score of a territory T (communes of T only; a commune is uncovered when its current access
time is above the coverage threshold, or unknown):

- `uncovered_population`: population of the uncovered communes of T;
- `uncovered_share`: uncovered_population / total population of T (0 for an empty T);
- `fragile_uncovered`: population aged 65+ of the uncovered communes when
  `population_65_plus` is given, else Σ fragility weight × population when
  `fragility_weight` is given, else uncovered_population (population alone);
- `stop_gain`: population of T newly brought within the threshold by `k_stops` new stops
  chosen greedily among the candidates located in T.

Normalisation: each component is divided by its largest value over the ranked territories
(max-normalisation, so the leader on a component gets 1 and a component that is 0 everywhere
gives 0). score = Σ weight × normalised component / Σ weights, in [0, 1]. Ranks follow the
score, highest first; equal scores are broken by territory code (ascending).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from mapdir.planner.mclp import MclpResult, solve_mclp
from mapdir.planner.travel import CoverageRelation, Place, access_array

DEFAULT_WEIGHTS: dict[str, float] = {
    "uncovered_population": 0.3,
    "uncovered_share": 0.2,
    "fragile_uncovered": 0.2,
    "stop_gain": 0.3,
}
COMPONENTS = tuple(DEFAULT_WEIGHTS)


@dataclass(frozen=True)
class TerritoryScore:
    """A ranked territory: raw and normalised components, score, rank and proposed stops."""

    code: str
    rank: int
    score: float
    total_population: float
    components: dict[str, float]
    normalised: dict[str, float]
    fragility_source: str
    proposed_stops: tuple[str, ...] = field(default_factory=tuple)


def _fragility(
    demand: Sequence[Place],
    population_65_plus: Mapping[str, float] | None,
    fragility_weight: Mapping[str, float] | None,
) -> tuple[np.ndarray, str]:
    """Per-commune fragile population and the name of its source."""
    if population_65_plus is not None:
        values = [float(population_65_plus.get(p.code, 0.0)) for p in demand]
        return np.array(values, dtype=float), "population_65_plus"
    if fragility_weight is not None:
        values = [float(fragility_weight.get(p.code, 1.0)) * p.population for p in demand]
        return np.array(values, dtype=float), "fragility_weight"
    return np.array([p.population for p in demand], dtype=float), "population"


def rank_territories(
    demand: Sequence[Place],
    current_minutes: Mapping[str, float | None],
    candidates: Sequence[Place],
    coverage: CoverageRelation,
    territory_of: Mapping[str, str],
    k_stops: int = 3,
    weights: Mapping[str, float] | None = None,
    population_65_plus: Mapping[str, float] | None = None,
    fragility_weight: Mapping[str, float] | None = None,
) -> list[TerritoryScore]:
    """Score and rank every territory that holds at least one demand commune.

    `territory_of` maps commune codes (demand and candidates) to a territory code; communes
    missing from it are ignored. `weights` overrides DEFAULT_WEIGHTS (keys: COMPONENTS).
    The "covered" threshold is the one `coverage` was built with.
    """
    weights = {**DEFAULT_WEIGHTS, **(weights or {})}
    if set(weights) != set(COMPONENTS) or min(weights.values()) < 0 or sum(weights.values()) <= 0:
        raise ValueError(
            f"Poids invalides : attendus des nombres ≥ 0 pour {', '.join(COMPONENTS)}."
        )
    population = np.array([p.population for p in demand], dtype=float)
    uncovered = access_array(demand, current_minutes) > coverage.threshold_min
    fragile, fragility_source = _fragility(demand, population_65_plus, fragility_weight)
    demand_territory = np.array([territory_of.get(p.code, "") for p in demand])
    candidate_territory = np.array([territory_of.get(c.code, "") for c in candidates])
    raw: dict[str, dict[str, float]] = {}
    stops: dict[str, tuple[str, ...]] = {}
    for code in sorted(set(demand_territory) - {""}):
        inside = demand_territory == code
        local_candidates = np.flatnonzero(candidate_territory == code)
        total = float(population[inside].sum())
        lost = float(population[inside & uncovered].sum())
        gain, stops[code] = 0.0, ()
        k = min(k_stops, len(local_candidates))
        if k > 0:
            local = _local_mclp(
                demand, current_minutes, candidates, coverage, inside, local_candidates, k
            )
            gain, stops[code] = local.gain, local.stop_codes
        raw[code] = {
            "uncovered_population": lost,
            "uncovered_share": lost / total if total > 0 else 0.0,
            "fragile_uncovered": float(fragile[inside & uncovered].sum()),
            "stop_gain": gain,
        }
    maxima = {name: max((r[name] for r in raw.values()), default=0.0) for name in COMPONENTS}
    weight_sum = sum(weights.values())
    scored = []
    for code, values in raw.items():
        normalised = {n: values[n] / maxima[n] if maxima[n] > 0 else 0.0 for n in COMPONENTS}
        score = sum(weights[n] * normalised[n] for n in COMPONENTS) / weight_sum
        scored.append((code, score, values, normalised))
    scored.sort(key=lambda item: (-round(item[1], 12), item[0]))
    return [
        TerritoryScore(
            code=code,
            rank=rank,
            score=score,
            total_population=float(population[demand_territory == code].sum()),
            components=values,
            normalised=normalised,
            fragility_source=fragility_source,
            proposed_stops=stops[code],
        )
        for rank, (code, score, values, normalised) in enumerate(scored, start=1)
    ]


def _local_mclp(
    demand: Sequence[Place],
    current_minutes: Mapping[str, float | None],
    candidates: Sequence[Place],
    coverage: CoverageRelation,
    inside: np.ndarray,
    local_candidates: np.ndarray,
    k: int,
) -> MclpResult:
    """Greedy MCLP restricted to the territory's communes and candidates."""
    local_demand = [p for p, keep in zip(demand, inside, strict=True) if keep]
    local_cands = [candidates[j] for j in local_candidates]
    sub = CoverageRelation(
        candidate_codes=tuple(c.code for c in local_cands),
        demand_codes=tuple(p.code for p in local_demand),
        minutes=coverage.minutes[np.ix_(local_candidates, np.flatnonzero(inside))],
        covers=coverage.covers[np.ix_(local_candidates, np.flatnonzero(inside))],
        threshold_min=coverage.threshold_min,
    )
    return solve_mclp(local_demand, current_minutes, local_cands, sub, k, solver="greedy")
