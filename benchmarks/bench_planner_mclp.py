"""Benchmark of the planner core on a synthetic 600-commune département (K = 20).

Prints the time of the coverage relation, exact MCLP with CBC, with HiGHS, greedy, the
set-covering minimum and the coverage curve K = 1…20 (exact and greedy). Target: exact
MCLP under 5 s on a 2-core machine.

    .venv/bin/python benchmarks/bench_planner_mclp.py [--seeds 0 1 2] [--k 20]
"""

from __future__ import annotations

import argparse
import os
import time

from mapdir.planner.mclp import coverage_curve, min_stops_to_cover_all, solve_mclp
from mapdir.planner.synthetic import synthetic_departement
from mapdir.planner.travel import access_by_code, coverage_relation


def bench_seed(seed: int, k: int, n_communes: int, n_offers: int) -> None:
    """Run every solver on one seeded département and print one line per measure."""
    dep = synthetic_departement(n_communes, n_offers, seed=seed)
    started = time.perf_counter()
    current = access_by_code(dep.communes, dep.offers)
    coverage = coverage_relation(dep.communes, dep.communes, 20)
    prep = time.perf_counter() - started
    args = (dep.communes, current, dep.communes, coverage)
    print(f"\nseed {seed}: {n_communes} communes, {n_offers} offers, K = {k}")
    print(f"  access + coverage relation     {prep * 1000:8.1f} ms")
    results = {}
    for solver in ("cbc", "highs", "greedy"):
        result = solve_mclp(*args, k, solver=solver)
        results[solver] = result
        print(
            f"  MCLP {solver:<6} {result.status:<10} {result.seconds:8.3f} s  "
            f"covered {result.covered_population_before:,.0f} → "
            f"{result.covered_population_after:,.0f} / {result.total_population:,.0f}"
        )
    ratio = results["greedy"].gain / results["cbc"].gain if results["cbc"].gain else 1.0
    print(f"  greedy / optimum gain          {ratio:8.4f}")
    cover = min_stops_to_cover_all(*args)
    print(
        f"  set covering ({cover.solver})        {cover.seconds:8.3f} s  "
        f"{cover.n_stops} stops, {len(cover.uncoverable)} uncoverable"
    )
    for solver in ("exact", "greedy"):
        started = time.perf_counter()
        curve = coverage_curve(*args, k, solver=solver)
        elapsed = time.perf_counter() - started
        print(
            f"  curve K=1..{k} {solver:<6}         {elapsed:8.3f} s  "
            f"last point {curve[-1].covered_population_after:,.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--communes", type=int, default=600)
    parser.add_argument("--offers", type=int, default=6)
    options = parser.parse_args()
    print(f"CPU cores: {os.cpu_count()}")
    for seed in options.seeds:
        bench_seed(seed, options.k, options.communes, options.offers)


if __name__ == "__main__":
    main()
