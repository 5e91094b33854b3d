"""The site's gunicorn worker (mapdir.http.gunicorn_worker) in a real gunicorn on 127.0.0.1:
keep-alive, pipelined requests, an idle connection that must not hold the others back, a
request longer than --timeout, a graceful stop in the middle of a request, and the site
itself behind it.

No assertion on elapsed time: the applications are loaded before the worker forks
(``--preload``, so a slow import on a busy machine is not a worker missing its heartbeat),
and the requests that must be in progress wait for a file the test creates (``/attendre``)
rather than for a delay to pass.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from gunicorn.workers.gthread import DEFAULT_WORKER_DATA_TIMEOUT

from mapdir.config import PROJECT_ROOT

WORKER = "mapdir.http.gunicorn_worker.InlineThreadWorker"
HOST = "127.0.0.1"
# gunicorn's --timeout in these tests: a worker silent for that long is killed. Small, so
# that a request outliving it is quick to make; the heartbeat thread beats every second.
TIMEOUT_S = 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def start(app: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    command = [
        sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "1",
        "--worker-class", WORKER, "--bind", f"{HOST}:{port}", "--timeout", str(TIMEOUT_S),
        "--keep-alive", "30", "--graceful-timeout", "60", "--preload", "--log-level", "info", app,
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env={**os.environ, **(env or {})},
        stderr=subprocess.PIPE,
        text=True,
    )
    process.log = []  # type: ignore[attr-defined]
    threading.Thread(target=_log_lines, args=(process,), daemon=True).start()
    deadline = time.monotonic() + 120  # a wide bound: the app's import on a busy machine
    while not _answers(port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"gunicorn did not start (exit code {process.poll()})")
        time.sleep(0.1)
    return process, port


def _log_lines(process: subprocess.Popen) -> None:
    """Keep gunicorn's log lines on the process (``process.log``), echoed to stderr."""
    for line in process.stderr:
        process.log.append(line)
        sys.stderr.write(line)


def wait_for(condition, what: str, bound_s: float = 60) -> None:
    """Poll ``condition`` until true; the bound only stops a broken test from hanging."""
    deadline = time.monotonic() + bound_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        time.sleep(0.05)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def probe() -> Iterator[int]:
    process, port = start("tests.apps.wsgi_probe:app")
    yield port
    stop(process)


def _fields(body: bytes) -> dict[str, str]:
    return dict(part.split("=", 1) for part in body.decode().split())


def _get(port: int, path: str, timeout: float = 5) -> tuple[int, dict[str, str]]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, _fields(response.read())
    finally:
        conn.close()


def test_keep_alive_serves_several_requests_on_one_connection(probe: int) -> None:
    conn = http.client.HTTPConnection(HOST, probe, timeout=5)
    conn.connect()
    local_port = conn.sock.getsockname()[1]
    try:
        for path in ("/un", "/deux", "/trois"):
            conn.request("GET", path)
            response = conn.getresponse()
            fields = _fields(response.read())
            assert response.status == 200
            assert fields["path"] == path
            assert fields["port"] == str(local_port)  # the same connection each time
            assert response.getheader("Connection", "").lower() != "close"
    finally:
        conn.close()


def _read_response(sock: socket.socket, buffer: bytearray) -> bytes:
    """One Content-Length framed response from the socket (the rest stays in buffer)."""
    while b"\r\n\r\n" not in buffer:
        buffer += sock.recv(65536)
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    length = int(
        next(
            line.split(b":")[1]
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
    )
    while len(rest) < length:
        rest += sock.recv(65536)
    buffer[:] = rest[length:]
    return rest[:length]


def test_pipelined_requests_are_answered_in_order(probe: int) -> None:
    requests = b"".join(
        f"GET /{name} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode()
        for name in ("premiere", "deuxieme", "troisieme")
    )
    with socket.create_connection((HOST, probe), timeout=5) as sock:
        sock.sendall(requests)  # all three before any answer
        buffer = bytearray()
        paths = [_fields(_read_response(sock, buffer))["path"] for _ in range(3)]
    assert paths == ["/premiere", "/deuxieme", "/troisieme"]


def test_an_idle_connection_does_not_hold_the_others_back(probe: int) -> None:
    # The idle connection comes first and says nothing until the other request is answered;
    # then it is still open and served. gthread with one thread would wait for it in its
    # thread (DEFAULT_WORKER_DATA_TIMEOUT, 5 s) before serving the other: the bound below
    # checks that behaviour (no waiting for the idle one), not a speed.
    with socket.create_connection((HOST, probe), timeout=60) as idle:
        time.sleep(0.2)  # (it is accepted first in any case: the listen queue is in order)
        started = time.monotonic()
        status, fields = _get(probe, "/autre", timeout=60)
        waited = time.monotonic() - started
        assert status == 200 and fields["path"] == "/autre"
        idle.sendall(f"GET /inactive HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        answer = _fields(_read_response(idle, bytearray()))
    assert answer["path"] == "/inactive"
    # waiting for the idle one would take DEFAULT_WORKER_DATA_TIMEOUT less the 0.2 s above
    assert waited < DEFAULT_WORKER_DATA_TIMEOUT - 1, f"served after {waited:.1f} s: it waited"


def test_a_request_longer_than_the_timeout_is_not_killed(probe: int) -> None:
    _, before = _get(probe, "/avant")
    # twice the timeout: the arbiter checks every second, so a worker without heartbeat
    # would be killed well within it (and the client see its connection reset)
    status, during = _get(probe, f"/sleep?s={2 * TIMEOUT_S}", timeout=60)
    _, after = _get(probe, "/apres")
    assert status == 200 and during["path"] == "/sleep"
    assert before["pid"] == during["pid"] == after["pid"]  # the same worker throughout


def test_a_graceful_stop_finishes_the_request_in_progress(tmp_path) -> None:
    process, port = start("tests.apps.wsgi_probe:app")
    started, release = tmp_path / "commence", tmp_path / "fin"
    outcome: list[object] = []

    def slow() -> None:
        try:
            path = f"/attendre?commence={started}&fin={release}"
            outcome.append(_get(port, path, timeout=120))
        except OSError as exc:
            outcome.append(exc)

    try:
        thread = threading.Thread(target=slow)
        thread.start()
        wait_for(started.exists, "the request reached the application")
        process.send_signal(signal.SIGTERM)
        wait_for(
            lambda: any("Handling signal: term" in line for line in process.log),
            "the arbiter handled SIGTERM (and signalled its worker)",
        )
        release.touch()  # only now may the request in progress end
        thread.join(timeout=120)
        assert process.wait(timeout=120) == 0
    finally:
        stop(process)
    assert len(outcome) == 1 and isinstance(outcome[0], tuple), outcome  # not an OSError
    status, fields = outcome[0]
    assert status == 200 and fields["path"] == "/attendre"


def test_the_site_behind_the_worker(db_url: str) -> None:
    process, port = start(
        "mapdir:create_app()", {"DATABASE_URL": db_url, "MAPDIR_SECURE_COOKIES": "0"}
    )
    try:
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        conn.request("GET", "/sante")
        health = conn.getresponse()
        assert health.status == 200, health.read()
        health.read()
        conn.request("GET", "/api/v1/recherche?code_postal=8740")  # same connection
        bad = conn.getresponse()
        body = bad.read().decode()
        conn.close()
    finally:
        stop(process)
    assert bad.status == 400
    answer = json.loads(body)  # the site's French error, through the worker
    assert answer["parametre"] == "code_postal"
    assert answer["erreur"].startswith("Code postal invalide : « 8740 »")
