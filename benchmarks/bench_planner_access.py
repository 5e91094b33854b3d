"""Benchmark: national access per commune (one SQL statement) and an exact MCLP.

1. Inserts ``--offers`` synthetic active offers around real commune points (the builder of
   bench_search.py, inside a transaction rolled back at the end: the database is untouched),
   then times `mapdir.planner.access.commune_access` for every commune of France
   (≈ 35,000 points; target < 3 s). Also checks the answer against a pure 3-NN geodesic
   re-rank for the record (how many communes the widened re-rank corrected).
   Then the accessibility (E2SFCA, mapdir.planner.accessibility) of every commune of France
   against the same offers with their hours (target < 10 s) and of one département with its
   border buffer (target < 1 s).
2. Times an exact MCLP (CBC, HiGHS fallback) for a 600-commune synthetic département with
   K = 20 (target < 5 s), and the greedy preview.

    .venv/bin/python benchmarks/bench_planner_access.py [--url URL | --scratch]
        [--offers 100000] [--repeats 3]

Without --url: DATABASE_URL, else the embedded cluster's database (communes must be loaded);
``--scratch``: a throw-away database in the embedded cluster (migrated, communes imported
from the offline mirror, dropped at the end).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_search import insert_synthetic, scratch_database, vacuum_offers  # noqa: E402

from mapdir.config import Settings  # noqa: E402
from mapdir.db import database_url, get_engine  # noqa: E402
from mapdir.planner import access, accessibility, mclp, solvers, synthetic  # noqa: E402
from mapdir.planner.parameters import parse_request  # noqa: E402
from mapdir.planner.travel import access_by_code, coverage_relation  # noqa: E402

PURE_KNN_SQL = """
SELECT count(*) FROM commune c, LATERAL (
    SELECT min(ST_Distance(o.point::geography, c.point::geography)) AS d FROM (
        SELECT point FROM offre o WHERE o.statut = 'active' AND o.point IS NOT NULL
        ORDER BY o.point <-> c.point LIMIT 3) o) k
WHERE c.point IS NOT NULL
"""


def bench_access(url: str, offers: int, repeats: int, seed: int) -> None:
    engine = get_engine(url=url)
    with engine.connect() as conn:
        trans = conn.begin()
        t0 = time.perf_counter()
        insert_synthetic(conn, offers, seed)
        print(f"{offers} synthetic offers inserted in {time.perf_counter() - t0:.1f} s")
        trans.commit()  # the parallel variant reads through other connections
        vacuum_offers(engine)  # the visibility map: index-only scans for the access query
        try:
            timings: dict[bool, list[float]] = {False: [], True: []}
            for parallel in (False, True):
                for _ in range(repeats):
                    t0 = time.perf_counter()
                    rows = access.commune_access(conn, parallel=parallel)
                    timings[parallel].append(time.perf_counter() - t0)
                    conn.rollback()
            t0 = time.perf_counter()
            conn.execute(text(PURE_KNN_SQL)).scalar_one()
            pure = time.perf_counter() - t0
            conn.rollback()
            bench_accessibility(conn, repeats, statistics.median(timings[False]))
        finally:
            conn.rollback()
            with conn.begin():
                conn.execute(text("DELETE FROM offre WHERE nom LIKE 'bench %'"))
    reached = sum(r.distance_m is not None for r in rows)
    for parallel, values in timings.items():
        print(
            f"national access{' (2 connections)' if parallel else ''}: {len(rows)} communes "
            f"({reached} with an offer) against {offers} offers: median "
            f"{statistics.median(values):.2f} s, best {min(values):.2f} s (target < 3 s)"
        )
    print(f"plain 3-NN with a geography re-rank, for scale: {pure:.2f} s")


def bench_accessibility(conn, repeats: int, access_s: float) -> None:
    """E2SFCA for every commune of France (one mode, need = population) against the offers
    in the database, then for one département (87) with its border buffer; printed with the
    nearest-offer access above as the baseline of the same run."""
    settings = Settings.from_env()
    for label, dep, target in (("national", "FR", 10.0), ("département 87", "87", 1.0)):
        req = parse_request({"departement": dep, "mode": "voiture"}, settings)
        values = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            comp = accessibility.compute(conn, req)
            values.append(time.perf_counter() - t0)
            conn.rollback()
        pairs = len(comp.result.pair_commune)
        print(
            f"accessibility (E2SFCA, voiture, 20 min) {label}: {int(comp.inside.sum())} communes"
            f" ({len(comp.communes)} with the buffer), {len(comp.supply)} supply points, "
            f"{pairs} pairs: median {statistics.median(values):.2f} s, best {min(values):.2f} s "
            f"(target < {target:g} s; × {statistics.median(values) / access_s:.1f} the national "
            "nearest-offer access)"
        )


def bench_mclp(n_communes: int, k: int, seed: int) -> None:
    dep = synthetic.synthetic_departement(n_communes=n_communes, n_offers=6, seed=seed)
    current = access_by_code(dep.communes, dep.offers)
    relation = coverage_relation(dep.communes, dep.communes, 20.0)
    for solver in (solvers.EXACT, solvers.GREEDY):
        t0 = time.perf_counter()
        result = mclp.solve_mclp(dep.communes, current, dep.communes, relation, k, solver)
        elapsed = time.perf_counter() - t0
        print(
            f"MCLP {n_communes} communes K={k} {result.solver} ({result.status}): "
            f"{elapsed:.2f} s, +{result.gain:.0f} inhabitants (target exact < 5 s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="SQLAlchemy URL (default: DATABASE_URL / embedded)")
    parser.add_argument("--offers", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--communes", type=int, default=600)
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--scratch", action="store_true", help="throw-away embedded database")
    args = parser.parse_args()
    bench_mclp(args.communes, args.k, args.seed)
    if not args.scratch:
        bench_access(args.url or database_url(Settings.from_env()), args.offers, args.repeats, 42)
        return
    with scratch_database("mapdir_bench_planner") as url:
        bench_access(url, args.offers, args.repeats, args.seed)


if __name__ == "__main__":
    main()
