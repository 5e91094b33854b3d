"""Choosing new itinerant stops: Maximal Covering Location Problem and set covering.

Existing offers count as already open: a commune whose current access time is within the
coverage threshold is already covered and brings no gain. The MCLP picks exactly K new stops
among the candidates to maximise the population newly brought within the threshold:

    max  Σ_i pop_i · y_i
    s.t. y_i ≤ Σ_{j covers i} x_j   for every commune i not yet covered
         Σ_j x_j ≤ K,  x_j ∈ {0, 1},  0 ≤ y_i ≤ 1

(only candidates that reach an uncovered commune enter the model; the solution is then
completed to exactly K stops). Solvers: CBC, HiGHS (see `solvers.py`) or the greedy heuristic.

Determinism: candidates are tie-broken by population (larger first), then code. Every
solution is put in canonical form: its stops are ordered by marginal gain (ties by the
tie-break); stops that add nothing are replaced by the best-ranked candidates by the same
rule, so "K larger than the useful candidates" always gives the same filler stops.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pulp

from mapdir.planner import solvers
from mapdir.planner.travel import CoverageRelation, Place, access_array


@dataclass(frozen=True)
class PlannedStop:
    """A chosen stop, its marginal gain in choice order and the communes assigned to it."""

    code: str
    marginal_gain: float
    newly_covered: tuple[str, ...]
    assigned_population: float


@dataclass(frozen=True)
class MclpResult:
    """Outcome of one MCLP solve (populations in inhabitants, time in seconds)."""

    k: int
    stops: tuple[PlannedStop, ...]
    covered_population_before: float
    covered_population_after: float
    total_population: float
    solver: str
    status: str
    seconds: float

    @property
    def gain(self) -> float:
        """Population newly brought within the threshold."""
        return self.covered_population_after - self.covered_population_before

    @property
    def stop_codes(self) -> tuple[str, ...]:
        """Codes of the chosen stops, in order of marginal gain."""
        return tuple(stop.code for stop in self.stops)


@dataclass(frozen=True)
class SetCoverResult:
    """Minimum set of stops bringing every coverable commune within the threshold."""

    stops: tuple[str, ...]
    to_cover: tuple[str, ...]
    uncoverable: tuple[str, ...]
    already_covered: tuple[str, ...]
    solver: str
    status: str
    seconds: float

    @property
    def n_stops(self) -> int:
        """Minimum number of stops."""
        return len(self.stops)


@dataclass(frozen=True)
class _Instance:
    demand_codes: tuple[str, ...]
    candidate_codes: tuple[str, ...]
    population: np.ndarray
    already_covered: np.ndarray
    covers: np.ndarray
    minutes: np.ndarray
    tie_rank: np.ndarray

    @property
    def gainable(self) -> np.ndarray:
        return ~self.already_covered & self.covers.any(axis=0)


def _prepare(
    demand: Sequence[Place],
    current_minutes: Mapping[str, float | None],
    candidates: Sequence[Place],
    coverage: CoverageRelation,
) -> _Instance:
    if coverage.demand_codes != tuple(d.code for d in demand) or coverage.candidate_codes != tuple(
        c.code for c in candidates
    ):
        raise ValueError("La relation de couverture ne correspond pas aux communes fournies.")
    order = sorted(
        range(len(candidates)), key=lambda j: (-candidates[j].population, candidates[j].code)
    )
    tie_rank = np.empty(len(candidates), dtype=int)
    tie_rank[order] = np.arange(len(candidates))
    return _Instance(
        demand_codes=coverage.demand_codes,
        candidate_codes=coverage.candidate_codes,
        population=np.array([max(0.0, float(d.population)) for d in demand], dtype=float),
        already_covered=access_array(demand, current_minutes) <= coverage.threshold_min,
        covers=coverage.covers,
        minutes=coverage.minutes,
        tie_rank=tie_rank,
    )


def _greedy_order(
    inst: _Instance,
    k: int,
    weights: np.ndarray,
    pool: np.ndarray | None = None,
    fill_from_all: bool = True,
) -> list[tuple[int, float]]:
    """K candidates with their marginal gains: the best in `pool` while one still gains,
    then (or when pool is None) the best of all candidates; ties by tie_rank.
    With fill_from_all=False the candidates never leave `pool`."""
    remaining = weights.copy()
    covers = inst.covers.astype(float)
    chosen: list[tuple[int, float]] = []
    available = np.ones(len(inst.candidate_codes), dtype=bool)
    allowed = available if pool is None else pool.copy()
    for _ in range(k):
        gains = covers @ remaining
        usable = available & allowed
        if fill_from_all and (not usable.any() or gains[usable].max() <= 0):
            usable = available
        gains = np.where(usable, gains, -1.0)
        ties = np.flatnonzero(gains >= gains.max() - 1e-9)
        best = int(ties[np.argmin(inst.tie_rank[ties])])
        chosen.append((best, float(gains[best])))
        available[best] = False
        remaining[inst.covers[best]] = 0.0
    return chosen


def _result(
    inst: _Instance, order: list[tuple[int, float]], solver: str, status: str, started: float
) -> MclpResult:
    gainable = inst.gainable
    chosen = [j for j, _ in order]
    newly = gainable & inst.covers[chosen].any(axis=0) if chosen else np.zeros_like(gainable)
    newly_idx = np.flatnonzero(newly)
    nearest = np.argmin(inst.minutes[chosen][:, newly_idx], axis=0) if chosen else []
    stops = []
    for position, (j, gain) in enumerate(order):
        mine = newly_idx[np.asarray(nearest) == position] if len(newly_idx) else newly_idx
        stops.append(
            PlannedStop(
                code=inst.candidate_codes[j],
                marginal_gain=gain,
                newly_covered=tuple(inst.demand_codes[i] for i in mine),
                assigned_population=float(inst.population[mine].sum()),
            )
        )
    before = float(inst.population[inst.already_covered].sum())
    return MclpResult(
        k=len(order),
        stops=tuple(stops),
        covered_population_before=before,
        covered_population_after=before + float(inst.population[newly].sum()),
        total_population=float(inst.population.sum()),
        solver=solver,
        status=status,
        seconds=time.perf_counter() - started,
    )


def _reduce(
    sub: np.ndarray, tie_rank: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shrink a covering model without changing its optimum.

    `sub[j, i]`: candidate j covers commune i. A candidate whose covered set is inside another
    one's (larger, or equal with a better tie rank) is dropped; communes covered by exactly the
    same remaining candidates are merged into one group weighing their total.
    Returns kept rows, the group patterns (kept rows × groups) and the group weights.
    """
    counts = sub.sum(axis=1)
    as_float = sub.astype(np.float32)
    inside = (as_float @ as_float.T) >= counts[:, None]  # inside[j, j2]: set j ⊆ set j2
    better = (counts[None, :] > counts[:, None]) | (
        (counts[None, :] == counts[:, None]) & (tie_rank[None, :] < tie_rank[:, None])
    )
    kept = np.flatnonzero(~(inside & better).any(axis=1))
    patterns, group_of = np.unique(sub[kept].T, axis=0, return_inverse=True)
    group_weights = np.bincount(group_of.ravel(), weights=weights, minlength=len(patterns))
    return kept, patterns.T, group_weights


def _exact_choice(
    inst: _Instance, k: int, solver_name: str, time_limit_s: float | None
) -> tuple[np.ndarray, str, str]:
    """Boolean mask of the chosen candidates, solver label and status.

    The greedy solution is given to the solver as a starting incumbent; with integer
    populations the absolute gap is 0.999 (objective values are integers, so still optimal).
    """
    target = np.flatnonzero(inst.gainable & (inst.population > 0))
    integral = bool(np.all(inst.population[target] == np.round(inst.population[target])))
    label, solver = solvers.pick_solver(
        solver_name, time_limit_s, gap_abs=0.999 if integral else 0.0, warm_start=True
    )
    useful = np.flatnonzero(inst.covers[:, target].any(axis=1))
    chosen = np.zeros(len(inst.candidate_codes), dtype=bool)
    if len(useful) == 0 or k == 0:
        return chosen, label, solvers.OPTIMAL
    kept, patterns, group_weights = _reduce(
        inst.covers[np.ix_(useful, target)], inst.tie_rank[useful], inst.population[target]
    )
    candidates = useful[kept]
    problem = pulp.LpProblem("mclp", pulp.LpMaximize)
    x = [solvers.new_variable(problem, f"x_{j}", 0, 1, pulp.LpBinary) for j in candidates]
    y = [
        solvers.new_variable(problem, f"y_{g}", 0, 1, pulp.LpContinuous)
        for g in range(len(group_weights))
    ]
    problem += pulp.LpAffineExpression(list(zip(y, group_weights.tolist(), strict=True)))
    for g in range(len(y)):
        terms = [(x[row], 1.0) for row in np.flatnonzero(patterns[:, g])] + [(y[g], -1.0)]
        problem += pulp.LpAffineExpression(terms) >= 0
    problem += pulp.lpSum(x) <= k
    greedy = [j for j, _ in _greedy_order(inst, k, np.where(inst.gainable, inst.population, 0.0))]
    in_greedy = np.isin(candidates, greedy)
    greedy_covers = patterns[in_greedy].any(axis=0)
    for var, start in zip(x, in_greedy.tolist(), strict=True):
        var.setInitialValue(int(start))
    for var, start in zip(y, greedy_covers.tolist(), strict=True):
        var.setInitialValue(int(start))
    status = solvers.solve(problem, solver)
    for j, var in zip(candidates, x, strict=True):
        chosen[j] = (var.value() or 0.0) > 0.5
    return chosen, label, status


def _check_k(k: int, n_candidates: int) -> None:
    if k < 0 or k > n_candidates:
        raise ValueError(f"K doit être compris entre 0 et {n_candidates} (reçu : {k}).")


def solve_mclp(
    demand: Sequence[Place],
    current_minutes: Mapping[str, float | None],
    candidates: Sequence[Place],
    coverage: CoverageRelation,
    k: int,
    solver: str = solvers.EXACT,
    time_limit_s: float | None = None,
) -> MclpResult:
    """Choose exactly `k` new stops maximising the population newly within the threshold.

    `current_minutes` maps each demand commune code to its current access time (missing or
    None = no offer reachable); `coverage` is `travel.coverage_relation(candidates, demand)`.
    `solver`: "exact" (CBC, else HiGHS), "cbc", "highs" or "greedy".
    """
    started = time.perf_counter()
    inst = _prepare(demand, current_minutes, candidates, coverage)
    _check_k(k, len(candidates))
    weights = np.where(inst.gainable, inst.population, 0.0)
    if solver == solvers.GREEDY:
        order = _greedy_order(inst, k, weights)
        return _result(inst, order, solvers.GREEDY, solvers.HEURISTIC, started)
    chosen, label, status = _exact_choice(inst, k, solver, time_limit_s)
    order = _greedy_order(inst, k, weights, pool=chosen)
    return _result(inst, order, label, status, started)


def coverage_curve(
    demand: Sequence[Place],
    current_minutes: Mapping[str, float | None],
    candidates: Sequence[Place],
    coverage: CoverageRelation,
    k_max: int,
    solver: str = solvers.EXACT,
    time_limit_s: float | None = None,
) -> list[MclpResult]:
    """MCLP results for K = 1…k_max (covered population is non-decreasing in K).

    With an exact solver every K is solved to optimality (optimal values are monotone since
    any K-stop solution extends to K+1 stops); with "greedy" one greedy run is cut at each K.
    """
    _check_k(k_max, len(candidates))
    if solver != solvers.GREEDY:
        return [
            solve_mclp(demand, current_minutes, candidates, coverage, k, solver, time_limit_s)
            for k in range(1, k_max + 1)
        ]
    started = time.perf_counter()
    inst = _prepare(demand, current_minutes, candidates, coverage)
    order = _greedy_order(inst, k_max, np.where(inst.gainable, inst.population, 0.0))
    return [
        _result(inst, order[:k], solvers.GREEDY, solvers.HEURISTIC, started)
        for k in range(1, k_max + 1)
    ]


def min_stops_to_cover_all(
    demand: Sequence[Place],
    current_minutes: Mapping[str, float | None],
    candidates: Sequence[Place],
    coverage: CoverageRelation,
    solver: str = solvers.EXACT,
    time_limit_s: float | None = None,
) -> SetCoverResult:
    """Fewest new stops so that every commune is within the threshold (set covering: exact,
    or Chvátal's greedy approximation with `solver="greedy"`).

    Communes already within the threshold need nothing; communes that no candidate reaches
    are reported in `uncoverable` and left out of the model. Stops come ordered by the
    population they newly cover (marginal gain).
    """
    started = time.perf_counter()
    inst = _prepare(demand, current_minutes, candidates, coverage)
    to_cover = np.flatnonzero(inst.gainable)
    uncoverable = np.flatnonzero(~inst.already_covered & ~inst.covers.any(axis=0))
    chosen = np.zeros(len(candidates), dtype=bool)
    status = solvers.OPTIMAL
    if solver == solvers.GREEDY:  # no MILP: Chvátal's greedy set cover
        label, status = solvers.GREEDY, solvers.HEURISTIC
        counts = np.where(inst.gainable, 1.0, 0.0)
        for j, gain in _greedy_order(inst, len(to_cover), counts, fill_from_all=False):
            if gain <= 0:
                break
            chosen[j] = True
    else:
        label, lp_solver = solvers.pick_solver(solver, time_limit_s)
    if solver != solvers.GREEDY and len(to_cover):
        useful = np.flatnonzero(inst.covers[:, to_cover].any(axis=1))
        problem = pulp.LpProblem("set_cover", pulp.LpMinimize)
        x = {int(j): solvers.new_variable(problem, f"x_{j}", 0, 1, pulp.LpBinary) for j in useful}
        problem += pulp.lpSum(x.values())
        sub = inst.covers[np.ix_(useful, to_cover)]
        for col in range(len(to_cover)):
            problem += pulp.lpSum(x[int(j)] for j in useful[sub[:, col]]) >= 1
        status = solvers.solve(problem, lp_solver)
        for j, var in x.items():
            chosen[j] = (var.value() or 0.0) > 0.5
    # Weights: population, plus a tiny constant so that empty communes still count as gains.
    weights = np.where(inst.gainable, inst.population + 1e-6, 0.0)
    order = _greedy_order(inst, int(chosen.sum()), weights, pool=chosen, fill_from_all=False)
    return SetCoverResult(
        stops=tuple(inst.candidate_codes[j] for j, _ in order),
        to_cover=tuple(inst.demand_codes[i] for i in to_cover),
        uncoverable=tuple(inst.demand_codes[i] for i in uncoverable),
        already_covered=tuple(inst.demand_codes[i] for i in np.flatnonzero(inst.already_covered)),
        solver=label,
        status=status,
        seconds=time.perf_counter() - started,
    )
