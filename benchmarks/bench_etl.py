"""Benchmark: full import of every national offer file from the offline mirror.

Creates a fresh database in the embedded cluster (or uses BENCH_DATABASE_URL), imports the
national communes and the polygons of 87, then every source's newest file without network
geocoding, and prints records/second and peak memory. Not a test: it prints figures.

    .venv/bin/python benchmarks/bench_etl.py [--from ../shared/data]
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

from etl.load import run_source
from etl.sources import SOURCES, newest_file
from mapdir import migrate
from mapdir.config import PROJECT_ROOT, Settings
from mapdir.db import get_engine
from mapdir.geo.files import LocalGeoFiles
from mapdir.geo.france_import import import_france
from mapdir.geo.importer import import_departement
from mapdir.pgcluster import Cluster


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--from", dest="src", default=str(PROJECT_ROOT.parent / "shared" / "data"))
    args = parser.parse_args()
    data = Path(args.src)
    url = os.environ.get("BENCH_DATABASE_URL")
    cluster = None
    if not url:
        cluster = Cluster(Settings.from_env({"DATABASE_URL": ""}))
        cluster.start()
        cluster.drop_database("mapdir_bench_etl")
        cluster.ensure_database("mapdir_bench_etl")
        url = cluster.url("mapdir_bench_etl")
    migrate.upgrade(url)
    engine = get_engine(url=url)
    t0 = time.perf_counter()
    files = LocalGeoFiles(data)
    import_france(engine, files, progress=lambda _m: None)
    import_departement(engine, files, "87", progress=lambda _m: None)
    t_geo = time.perf_counter() - t0
    total = 0
    t1 = time.perf_counter()
    for slug in SOURCES:
        path = newest_file(slug, data / "offers")
        start = time.perf_counter()
        summary = run_source(engine, slug, path)
        took = time.perf_counter() - start
        total += summary.counts["lus"]
        print(f"{slug:24} {summary.counts['lus']:6} records  {took:6.1f} s")
    t_offers = time.perf_counter() - t1
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"geography: {t_geo:.1f} s")
    print(
        f"offers: {total} records in {t_offers:.1f} s = {total / t_offers:.0f} records/s; "
        f"peak memory (this process) {peak_mb:.0f} MiB; target < 60 s"
    )
    engine.dispose()
    if cluster:
        cluster.drop_database("mapdir_bench_etl")


if __name__ == "__main__":
    main()
