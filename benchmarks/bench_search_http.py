"""Benchmark: /api/v1/recherche through HTTP, gunicorn with 2 workers on 127.0.0.1.

Builds a throw-away database in the embedded cluster (migrated, communes imported from the
offline mirror, the synthetic 100,000-offer directory of benchmarks/bench_search.py), starts
gunicorn on a free 127.0.0.1 port, sends ``--requests`` searches from random postcodes with
random filters (those of bench_search.py) from a thread pool, then prints
p50/p95/p99 latency, requests per second and the status codes. Gunicorn is stopped and the
database dropped at the end; nothing else is touched.

    .venv/bin/python benchmarks/bench_search_http.py [--offers 100000] [--requests 1000]
        [--concurrency 4] [--url URL]

``--url``: an existing database instead of a scratch one (the synthetic offers are committed
there and deleted at the end: use only a database of your own).
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import requests
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_search import (  # noqa: E402
    add_synthetic,
    percentiles,
    query_kind,
    random_query,
    remove_synthetic,
    scratch_database,
)
from keepalive_client import KeepAliveConnection, ProtocolError  # noqa: E402

from mapdir.config import PROJECT_ROOT  # noqa: E402
from mapdir.db import get_engine  # noqa: E402

HOST = "127.0.0.1"
WARM_UP = 600
START_TIMEOUT_S = 60
REQUEST_TIMEOUT_S = 65
WORKER_CLASS = "mapdir.http.gunicorn_worker.InlineThreadWorker"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(url: str, port: int) -> subprocess.Popen:
    """gunicorn as scripts/demo runs it: 2 workers of the site's class (gthread's event loop
    serving each request on its own thread, mapdir/http/gunicorn_worker.py): one request at a
    time per process, with HTTP keep-alive, which the sync worker lacks (it closes each
    connection, so every request paid a new TCP connection on both sides)."""
    env = {**os.environ, "DATABASE_URL": url, "MAPDIR_SECURE_COOKIES": "0"}
    command = [
        str(PROJECT_ROOT / ".venv" / "bin" / "gunicorn"),
        "--workers", "2", "--worker-class", WORKER_CLASS, "--threads", "1",
        "--bind", f"{HOST}:{port}", "--log-level", "warning",
        "--timeout", "60", "mapdir:create_app()",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {process.returncode}")
        try:
            if requests.get(f"http://{HOST}:{port}/sante", timeout=2).status_code == 200:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.3)
    process.terminate()
    raise RuntimeError("gunicorn did not answer /sante in time")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time consumed so far by these processes (Linux /proc)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def server_pids(process: subprocess.Popen, url: str) -> dict[str, list[int]]:
    """The gunicorn workers and the PostgreSQL backends serving the benchmark database."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    with get_engine(url=url).connect() as conn:
        backends = conn.execute(
            text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            )
        ).scalars()
        return {"gunicorn workers": [int(c) for c in children], "PostgreSQL": list(backends)}


def run_requests(
    base: str, queries: list[dict[str, str]], concurrency: int, process: subprocess.Popen, url: str
) -> tuple[list[float], dict[int | str, int], float]:
    """Latencies (ms), status counts and wall time of all the queries; prints the CPU time
    per request of the gunicorn workers, the PostgreSQL backends and the client."""
    local = threading.local()
    host, port = base.removeprefix("http://").split(":")
    statuses: dict[int | str, int] = {}
    slow: list[tuple] = []
    lock = threading.Lock()
    targets = [(params, "/api/v1/recherche?" + urlencode(params)) for params in queries]

    def one(query: tuple[dict[str, str], str]) -> float:
        params, target = query
        # one keep-alive connection per thread, and a client that spends little CPU: the
        # load generator shares the machine's two cores with the server it measures
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = KeepAliveConnection(host, int(port))
        t = time.perf_counter()
        try:
            outcome: int | str = client.get(target)[0]
        except (OSError, ProtocolError) as exc:
            client.close()
            local.client = None
            outcome = type(exc).__name__
        elapsed = (time.perf_counter() - t) * 1000
        with lock:
            statuses[outcome] = statuses.get(outcome, 0) + 1
            if outcome != 200 and len(slow) < 5:
                slow.append((outcome, round(elapsed), params))
        return elapsed

    # warm-up, not counted: both workers' connection pools open, every statement prepared
    # and past PostgreSQL's five custom plans (the steady state of a running server)
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, targets[:WARM_UP]))
    statuses.clear()
    pids = server_pids(process, url)
    cpu_before = {name: cpu_seconds(group) for name, group in pids.items()}
    client_before = time.process_time()
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        latencies = list(pool.map(one, targets))
    wall = time.perf_counter() - t0
    cpu = {name: cpu_seconds(group) - cpu_before[name] for name, group in pids.items()}
    cpu["client (this process)"] = time.process_time() - client_before
    print("  CPU per request: " + ", ".join(
        f"{name} {1000 * seconds / len(queries):.2f} ms" for name, seconds in cpu.items()
    ))  # fmt: skip
    for outcome, ms, params in slow:
        print(f"  not 200: {outcome} after {ms} ms for {params}")
    return latencies, statuses, wall


def bench(url: str, offers: int, count: int, concurrency: int, seed: int) -> None:
    engine = get_engine(url=url)
    rng = random.Random(seed)
    postcodes = add_synthetic(engine, offers, seed)
    queries = [random_query(rng, postcodes) for _ in range(count)]
    port = free_port()
    process = start_gunicorn(url, port)
    try:
        latencies, statuses, wall = run_requests(
            f"http://{HOST}:{port}", queries, concurrency, process, url
        )
    finally:
        process.terminate()
        process.wait(timeout=30)
        remove_synthetic(engine)
    p50, p95, p99 = percentiles(latencies)
    print(f"{count} requests to /api/v1/recherche, gunicorn 2 workers, {concurrency} threads")
    print(f"  latency p50 {p50:8.1f} ms  p95 {p95:8.1f} ms  p99 {p99:8.1f} ms")
    print(f"  throughput {count / wall:8.1f} requests/s  (wall {wall:.1f} s)")
    by_kind: dict[str, list[float]] = {}
    for params, ms in zip(queries, latencies, strict=True):
        by_kind.setdefault(query_kind(params), []).append(ms)
    for kind, samples in sorted(by_kind.items()):
        if len(samples) >= 2:
            k50, k95, _ = percentiles(samples)
            print(f"    {kind:22s} n={len(samples):4d}  p50 {k50:8.1f} ms  p95 {k95:8.1f} ms")
    print("  outcomes: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items(), key=str)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an existing database of your own (default: scratch)")
    parser.add_argument("--offers", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=1_000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    if args.url:
        bench(args.url, args.offers, args.requests, args.concurrency, args.seed)
        return
    with scratch_database("mapdir_bench_http") as url:
        bench(url, args.offers, args.requests, args.concurrency, args.seed)


if __name__ == "__main__":
    main()
