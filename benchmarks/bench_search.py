"""Benchmark: our KNN search vs a fixed-radius baseline on synthetic offers.

Inserts ``--offers`` synthetic active offers scattered around real commune points (inside one
transaction that is rolled back at the end: the database is left untouched), then times
``--searches`` searches from random commune points:

- ``ours_knn``: the ranking core of mapdir.offers.search (KNN window on the GiST index, exact
  geodesic re-rank, bounded widening);
- ``ours_full``: the whole search_offers() answer (origin, permanences, remote offers);
- ``baseline``: ``ST_DWithin(point::geography, origin, 50 km) ORDER BY ST_Distance LIMIT N``
  (what a fixed-radius service does; the geography cast cannot use the geometry index).

Prints p50/p95/p99 in milliseconds, the baseline/ours ratio, and how often the fixed radius
returned fewer than N offers. Needs the communes loaded (``mapdir geo import``).

    .venv/bin/python benchmarks/bench_search.py [--url URL | --scratch] [--offers 100000]
        [--searches 1000]

Without --url: DATABASE_URL, else the embedded cluster's database (it must be running).
``--scratch``: a throw-away database in the embedded cluster (migrated, communes imported from
the offline mirror, dropped at the end), so that nobody's database is touched or locked.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time

from sqlalchemy import text
from sqlalchemy.engine import Connection

from mapdir import migrate
from mapdir.config import Settings
from mapdir.db import get_engine
from mapdir.geo.files import LocalGeoFiles
from mapdir.geo.importer import import_france
from mapdir.offers.search import Filters, Origin, SearchRequest, _nearest_offers, search_offers
from mapdir.pgcluster import Cluster, database_url

SERVICES = ["demarches-administratives", "outils-numeriques-quotidien", "acces-internet-materiel"]

BASELINE_SQL = """
    SELECT o.id, ST_Distance(o.point::geography, ST_GeomFromText(:origin, 4326)::geography) AS d
    FROM offre o
    WHERE o.statut = 'active'
      AND ST_DWithin(o.point::geography, ST_GeomFromText(:origin, 4326)::geography, 50000)
    ORDER BY d LIMIT :n
"""


def insert_synthetic(conn: Connection, count: int, seed: int) -> None:
    conn.execute(text("SELECT setseed(:s)"), {"s": seed / 1000.0})
    conn.execute(
        text(
            """
            WITH cs AS (SELECT array_agg(point) AS pts FROM commune WHERE point IS NOT NULL),
            picks AS (
                SELECT g, cs.pts[1 + floor(random() * array_length(cs.pts, 1))::int] AS p
                FROM generate_series(1, :count) g, cs
            )
            INSERT INTO offre (nom, point, services, frais, horaires, statut)
            SELECT 'bench ' || g,
                   ST_SetSRID(ST_MakePoint(ST_X(p) + (random() - 0.5) * 0.04,
                                           ST_Y(p) + (random() - 0.5) * 0.03), 4326),
                   ARRAY[(CAST(:services AS text[]))[1 + floor(random() * 3)::int]],
                   CASE WHEN random() < 0.7 THEN ARRAY['Gratuit'] ELSE ARRAY['Payant'] END,
                   CASE WHEN random() < 0.8 THEN 'Mo-Fr 09:00-12:00,14:00-17:00' END,
                   'active'
            FROM picks
            """
        ),
        {"count": count, "services": SERVICES},
    )
    conn.execute(text("ANALYZE offre"))


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def run(url: str, offers: int, searches: int, limit: int, seed: int) -> None:
    engine = get_engine(url=url)
    rng = random.Random(seed)
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            t0 = time.perf_counter()
            insert_synthetic(conn, offers, seed)
            print(f"inserted {offers} synthetic offers in {time.perf_counter() - t0:.1f} s")
            origins = conn.execute(
                text("SELECT ST_X(point), ST_Y(point) FROM commune WHERE point IS NOT NULL")
            ).all()
            sample = [tuple(o) for o in rng.sample(origins, min(searches, len(origins)))]
            timings: dict[str, list[float]] = {"ours_knn": [], "ours_full": [], "baseline": []}
            short = 0
            for lon, lat in sample:
                origin = Origin([(lon, lat)], [], "point")
                t = time.perf_counter()
                _nearest_offers(conn, origin, Filters(), limit)
                timings["ours_knn"].append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                search_offers(conn, SearchRequest(lat=lat, lon=lon, limite=limit))
                timings["ours_full"].append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                found = conn.execute(text(BASELINE_SQL), {"origin": origin.wkt, "n": limit}).all()
                timings["baseline"].append((time.perf_counter() - t) * 1000)
                short += len(found) < limit
            print(f"{len(sample)} searches, N={limit}")
            for name, samples in timings.items():
                p50, p95, p99 = percentiles(samples)
                print(f"  {name:10s} p50 {p50:8.2f} ms  p95 {p95:8.2f} ms  p99 {p99:8.2f} ms")
            base, ours = percentiles(timings["baseline"]), percentiles(timings["ours_knn"])
            print(
                "  ratio baseline/ours_knn: "
                + "  ".join(
                    f"{label} ×{b / o:.1f}"
                    for label, b, o in zip(("p50", "p95", "p99"), base, ours, strict=True)
                )
            )
            print(
                f"  baseline returned fewer than {limit} offers for {short} searches "
                f"({100 * short / len(sample):.1f} %): the fixed 50 km radius"
            )
        finally:
            trans.rollback()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="SQLAlchemy URL (default: DATABASE_URL / embedded)")
    parser.add_argument("--offers", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=1_000)
    parser.add_argument("--limite", type=int, default=20)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--scratch", action="store_true", help="throw-away embedded database")
    args = parser.parse_args()
    if not args.scratch:
        url = args.url or database_url(Settings.from_env())
        run(url, args.offers, args.searches, args.limite, args.seed)
        return
    settings = Settings.from_env({"DATABASE_URL": ""})
    cluster = Cluster(settings)
    cluster.start()
    name = f"mapdir_bench_{os.getpid()}"
    cluster.ensure_database(name)
    try:
        url = cluster.url(name)
        migrate.upgrade(url)
        t0 = time.perf_counter()
        import_france(get_engine(url=url), LocalGeoFiles(settings.data_dir), progress=print)
        print(f"communes imported in {time.perf_counter() - t0:.0f} s")
        run(url, args.offers, args.searches, args.limite, args.seed)
    finally:
        get_engine(url=url).dispose()
        cluster.drop_database(name)


if __name__ == "__main__":
    main()
