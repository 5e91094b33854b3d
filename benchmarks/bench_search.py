"""Benchmark: the prescribers' search (mapdir.offers.search.search_offers) against a
data·inclusion-style fixed-radius baseline, on a synthetic national directory.

Inserts ``--offers`` synthetic active offers scattered around real commune points (named
``bench …``, committed and VACUUMed as autovacuum leaves a settled directory, deleted at the
end), then runs ``--searches`` searches from random postcodes (the La Poste file) with
random filters (services, free only, open on a weekday at office hours, open "now", open on
a weekday morning or afternoon) through the service function, on the search engine's
connection (as the API), twice: ours (KNN window on the GiST index, exact geodesic re-rank,
proof of the order) and the baseline, where the KNN window is replaced by
``ST_DWithin(point::geography, origin, 50 km) ORDER BY ST_Distance`` and everything else
(origin, stops, remote offers, full rows, hours) is identical (the baseline gets its own
GiST index on geography, created for the run and dropped at the end). Prints p50/p95/p99
in milliseconds, the baseline/ours ratio, a breakdown by kind of search, and for scale the
bare statements from commune points with how often the fixed radius returned fewer than N
offers. Needs the communes loaded.

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
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from mapdir import migrate
from mapdir.config import Settings
from mapdir.db import database_url, get_engine, get_search_engine
from mapdir.geo.files import LocalGeoFiles
from mapdir.geo.france_import import import_france
from mapdir.hours.evaluate import local_now
from mapdir.hours.open_time import parse_open_time
from mapdir.offers import search_sql
from mapdir.offers.search import Filters, Origin, SearchRequest, search_offers
from mapdir.pgcluster import Cluster

OUR_CANDIDATES_SQL = search_sql.candidates_sql
WARM_UP = 300
TODAY = datetime.now().date()
SERVICES = ["demarches-administratives", "outils-numeriques-quotidien", "acces-internet-materiel"]

BASELINE_SQL = """
    SELECT o.id, ST_Distance(o.point::geography, ST_GeomFromText(:origin, 4326)::geography) AS d
    FROM offre o
    WHERE o.statut = 'active'
      AND ST_DWithin(o.point::geography, ST_GeomFromText(:origin, 4326)::geography, 50000)
    ORDER BY d LIMIT :n
"""


#: parts of the synthetic offers' hours: 2,240 distinct expressions (days, morning, noon,
#: afternoon, public holidays), with the real sources' most common shapes (the national
#: directory holds 4,469 distinct ones); 20 % of the offers have none
SYNTHETIC_HOURS = {
    "days": ["Mo-Fr", "Mo-Fr", "Mo-Sa", "Tu-Sa", "Mo-Th", "Mo,We,Fr", "Tu,Th", "We", "Sa",
             "Mo-Fr"],
    "opens": ["08:00", "08:30", "09:00", "09:30", "10:00"],
    "noons": ["11:30", "12:00", "12:30", "13:00"],
    "afternoons": ["", ",13:30-17:00", ",14:00-17:00", ",14:00-18:00", ",13:30-17:30",
                   ",14:00-16:30", ",15:00-19:00"],
}  # fmt: skip


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
                   CASE WHEN random() < 0.8 THEN
                       (CAST(:days AS text[]))[1 + floor(random() * 10)::int] || ' '
                       || (CAST(:opens AS text[]))[1 + floor(random() * 5)::int] || '-'
                       || (CAST(:noons AS text[]))[1 + floor(random() * 4)::int]
                       || (CAST(:afternoons AS text[]))[1 + floor(random() * 7)::int]
                       || CASE WHEN random() < 0.5 THEN '; PH off' ELSE '' END
                   END,
                   'active'
            FROM picks
            """
        ),
        {"count": count, "services": SERVICES, **SYNTHETIC_HOURS},
    )
    conn.execute(text("ANALYZE offre"))


#: the baseline's index (data·inclusion-style: geography distances within a radius): the
#: directory's own indexes serve planar and spherical walks, not ``ST_DWithin`` on geography
BASELINE_INDEX = "bench_offre_geographie_actif"


def baseline_index(engine: Engine, present: bool) -> None:
    """Creates (or drops) the baseline's GiST index on active offers' geography."""
    with engine.begin() as conn:
        if present:
            conn.execute(
                text(
                    f"CREATE INDEX IF NOT EXISTS {BASELINE_INDEX} ON offre "
                    "USING gist ((point::geography)) WITH (buffering = on) "
                    "WHERE statut = 'active'"
                )
            )
        else:
            conn.execute(text(f"DROP INDEX IF EXISTS {BASELINE_INDEX}"))


def vacuum_offers(engine: Engine) -> None:
    """What autovacuum does to a settled directory: visibility map (index-only scans) and
    statistics, and no dead rows left by earlier runs in a database given with --url."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as auto:
        auto.execute(text("VACUUM ANALYZE offre"))


@contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """A throw-away database in the embedded cluster (migrated, the communes of France
    imported from the offline mirror), dropped on exit; yields its URL."""
    settings = Settings.from_env({"DATABASE_URL": ""})
    cluster = Cluster(settings)
    cluster.start()
    name = f"{prefix}_{os.getpid()}"
    cluster.ensure_database(name)
    url = cluster.url(name)
    try:
        migrate.upgrade(url)
        t0 = time.perf_counter()
        import_france(get_engine(url=url), LocalGeoFiles(settings.data_dir), progress=print)
        print(f"communes imported in {time.perf_counter() - t0:.0f} s")
        yield url
    finally:
        get_engine(url=url).dispose()
        cluster.drop_database(name)


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def random_query(rng: random.Random, postcodes: list[str]) -> dict[str, str]:
    """One search as API parameters: a random postcode and random filters (about half the
    searches filtered by service, 30 % free only, 15 % open on a weekday at a random office
    hour, 5 % open "now", whenever the benchmark runs, 5 % open on a weekday morning or
    afternoon, a period)."""
    params = {"code_postal": rng.choice(postcodes), "limite": "20"}
    if rng.random() < 0.5:
        params["services"] = ",".join(rng.sample(SERVICES, rng.randint(1, 2)))
    if rng.random() < 0.3:
        params["frais"] = "gratuit"
    draw = rng.random()
    if draw < 0.15:
        day = TODAY + timedelta(days=rng.randint(1, 14))
        while day.weekday() > 4:
            day += timedelta(days=1)
        params["ouvert"] = f"{day.isoformat()}T{rng.randint(8, 17):02d}:{rng.choice(('00', '30'))}"
    elif draw < 0.20:
        params["ouvert"] = "maintenant"
    elif draw < 0.25:
        day = TODAY + timedelta(days=rng.randint(1, 14))
        while day.weekday() > 4:
            day += timedelta(days=1)
        params["ouvert"] = f"{day.isoformat()}-{rng.choice(('matin', 'apres-midi'))}"
    return params


def query_kind(params: dict[str, str]) -> str:
    """A label for the per-filter breakdown (the opening-hours filter dominates)."""
    if params.get("ouvert") == "maintenant":
        return "ouvert=maintenant"
    if params.get("ouvert", "").endswith(("matin", "midi")):
        return "ouvert=demi-journée"
    if "ouvert" in params:
        return "ouvert=jour ouvré"
    return "services/gratuit" if "services" in params or "frais" in params else "sans filtre"


def to_request(params: dict[str, str]) -> SearchRequest:
    """The service function's request for API parameters (as the API maps them)."""
    when = parse_open_time(params.get("ouvert"), local_now())
    return SearchRequest(
        code_postal=params["code_postal"],
        limite=int(params.get("limite", 20)),
        filters=Filters(
            services=tuple(params["services"].split(",")) if "services" in params else (),
            gratuit=params.get("frais") == "gratuit",
            ouvert=when,
        ),
    )


def baseline_candidates_sql(
    filters: Filters, mode: str, window: int, radius_m: int, remote_limit: int,
    lat_cap: float, prefetch: int, timed_rank: int = 0, left_out_rank: int = 0,
) -> str:  # fmt: skip
    """Our first statement with its KNN window replaced by a fixed-radius query: 50 km
    around the origin (``ST_DWithin`` on geography), ordered by ``ST_Distance``; everything
    else (origin, stops, remote offers, rows carried along, full rows, the opening time's
    slots, hours) identical."""
    sql = OUR_CANDIDATES_SQL(
        filters, mode, window, radius_m, remote_limit, lat_cap, prefetch, timed_rank,
        left_out_rank,
    )  # fmt: skip
    head, rest = sql.split("knn AS (", 1)
    _, tail = rest.split("    ),\n    stops AS", 1)
    where = search_sql.search_where(filters)
    if timed_rank:
        where += f" AND {search_sql.MAY_BE_OPEN}"
    knn = f"""knn AS (
        SELECT o.id, o.code_insee, o.horaires, ST_X(o.point) AS lon, ST_Y(o.point) AS lat,
               ST_Distance(o.point::geography, (SELECT geom FROM g)::geography) AS planar,
               {search_sql.window_flags(filters)},
               row_number() OVER (ORDER BY ST_Distance(o.point::geography,
                                                       (SELECT geom FROM g)::geography))
                   <= {int(prefetch)} AS complet,
               {search_sql.carried_columns("o.{0} AS c_{0}")}
        FROM offre o
        WHERE {search_sql.LOCATED} AND {where}
          AND ST_DWithin(o.point::geography, (SELECT geom FROM g)::geography, 50000)
        ORDER BY planar
        LIMIT {int(window)}
"""
    return head + knn + "    ),\n    stops AS" + tail


def time_searches(conn: Connection, requests: list[SearchRequest]) -> list[float]:
    timings = []
    for req in requests:
        t = time.perf_counter()
        search_offers(conn, req)
        timings.append((time.perf_counter() - t) * 1000)
    return timings


def report(label: str, samples: list[float]) -> tuple[float, float, float]:
    p50, p95, p99 = percentiles(samples)
    print(
        f"  {label:28s} n={len(samples):4d}  p50 {p50:7.2f} ms  p95 {p95:7.2f} ms"
        f"  p99 {p99:7.2f} ms"
    )
    return p50, p95, p99


def remove_synthetic(engine: Engine) -> None:
    """Deletes the synthetic offers (named ``bench …``) and their dead rows."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM offre WHERE nom LIKE 'bench %'"))
    vacuum_offers(engine)


def add_synthetic(engine: Engine, offers: int, seed: int) -> list[str]:
    """Inserts and commits the synthetic offers (see remove_synthetic; those an interrupted
    run left are deleted first, so the directory holds exactly ``offers`` of them), VACUUMs
    them as autovacuum leaves a settled directory; returns every postcode of the La Poste
    file."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM offre WHERE nom LIKE 'bench %'"))
        t0 = time.perf_counter()
        insert_synthetic(conn, offers, seed)
        print(f"inserted {offers} synthetic offers in {time.perf_counter() - t0:.1f} s")
        postcodes = conn.execute(text("SELECT DISTINCT code_postal FROM code_postal")).scalars()
        postcodes = list(postcodes)
    vacuum_offers(engine)
    return postcodes


def run(url: str, offers: int, searches: int, limit: int, seed: int) -> None:
    engine = get_engine(url=url)
    rng = random.Random(seed)
    postcodes = add_synthetic(engine, offers, seed)
    baseline_index(engine, True)
    try:
        queries = [random_query(rng, postcodes) for _ in range(searches)]
        for params in queries:
            params["limite"] = str(limit)
        requests = [to_request(p) for p in queries]
        # the connection the API and the pages search on (autocommit, generic plans at once)
        with get_search_engine(url=url).connect() as conn:
            # warm-up, not counted: every statement prepared (the steady state of a server)
            time_searches(conn, requests[:WARM_UP])
            ours = time_searches(conn, requests)
            search_sql.candidates_sql = baseline_candidates_sql
            try:
                time_searches(conn, requests[:WARM_UP])
                baseline = time_searches(conn, requests)
            finally:
                search_sql.candidates_sql = OUR_CANDIDATES_SQL
            print(f"{len(requests)} searches from random postcodes with random filters, N={limit}")
            print(" search_offers() (the service function):")
            o = report("ours (KNN)", ours)
            b = report("baseline (50 km, ST_Distance)", baseline)
            print(
                "  ratio baseline/ours: "
                + "  ".join(
                    f"{label} ×{bv / ov:.1f}"
                    for label, bv, ov in zip(("p50", "p95", "p99"), b, o, strict=True)
                )
            )
            print(" ours by kind of search:")
            by_kind: dict[str, list[float]] = {}
            for params, ms in zip(queries, ours, strict=True):
                by_kind.setdefault(query_kind(params), []).append(ms)
            for kind, samples in sorted(by_kind.items()):
                if len(samples) >= 2:
                    report(kind, samples)
            bare_queries(conn, rng, searches, limit)
    finally:
        baseline_index(engine, False)
        remove_synthetic(engine)


def bare_queries(conn: Connection, rng: random.Random, searches: int, limit: int) -> None:
    """For scale: the bare KNN statement against the bare fixed-radius one, from commune
    points, and how often the fixed radius returns fewer than N offers."""
    origins = conn.execute(
        text("SELECT ST_X(point), ST_Y(point) FROM commune WHERE point IS NOT NULL")
    ).all()
    sample = [tuple(o) for o in rng.sample(origins, min(searches, len(origins)))]
    knn = search_sql.knn_sql(Filters(), limit)
    timings: dict[str, list[float]] = {"bare KNN": [], "bare baseline": []}
    short = 0
    for lon, lat in sample:
        origin = Origin([(lon, lat)], [], "point")
        t = time.perf_counter()
        search_sql.fetch(conn, knn, {"origin": origin.wkt})
        timings["bare KNN"].append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        found = conn.execute(text(BASELINE_SQL), {"origin": origin.wkt, "n": limit}).all()
        timings["bare baseline"].append((time.perf_counter() - t) * 1000)
        short += len(found) < limit
    print(" bare statements, for scale:")
    for name, samples in timings.items():
        report(name, samples)
    print(
        f"  the fixed 50 km radius returned fewer than {limit} offers for {short} of "
        f"{len(sample)} commune points ({100 * short / len(sample):.1f} %)"
    )


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
    with scratch_database("mapdir_bench") as url:
        run(url, args.offers, args.searches, args.limite, args.seed)


if __name__ == "__main__":
    main()
