"""Slow clients (issue 19, finding 4): with the site's gunicorn worker, a client sending its
body or its headers one byte at a time is cut at MAPDIR_REQUEST_READ_TIMEOUT_S, and the
one worker serves the others meanwhile; a client sending at a normal pace is served."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tests.integration.test_gunicorn_worker import HOST, start, stop

READ_TIMEOUT_S = 1
DRIP_S = 0.1


@pytest.fixture(scope="module")
def server() -> Iterator[int]:
    process, port = start(
        "tests.apps.wsgi_probe:app", {"MAPDIR_REQUEST_READ_TIMEOUT_S": str(READ_TIMEOUT_S)}
    )
    yield port
    stop(process)


def _drip(port: int, head: bytes, drip: bytes, count: int, outcome: dict) -> None:
    """Send ``head`` then ``drip`` ``count`` times, one every DRIP_S: what came back and how
    many drips were sent before the server answered or closed."""
    sent = 0
    with socket.create_connection((HOST, port), timeout=60) as sock:
        sock.sendall(head)
        sock.setblocking(False)
        answer = b""
        while sent < count:
            try:
                sock.sendall(drip)
            except OSError:
                break
            sent += 1
            time.sleep(DRIP_S)
            try:
                chunk = sock.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                break
            answer += chunk
            if not chunk or answer.endswith(b"\r\n\r\n"):
                break
    outcome.update(sent=sent, answer=answer)


def _get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


@pytest.mark.parametrize(
    "head, drip",
    [
        (b"POST /lire HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n", b"a"),  # body
        (b"GET /sante HTTP/1.1\r\nHost: x\r\n", b"X-a: b\r\n"),  # headers (slowloris)
    ],
    ids=["corps", "en-tetes"],
)
def test_a_dripping_client_is_cut_and_does_not_hold_the_worker(server, head, drip):
    outcome: dict = {}
    slow = threading.Thread(target=_drip, args=(server, head, drip, 2000, outcome))
    slow.start()
    time.sleep(3 * DRIP_S)  # the slow request holds the only worker now
    assert _get(server, "/autre") == 200  # served once the slow one is cut
    slow.join(timeout=120)
    assert not slow.is_alive()
    # 2000 drips would take 200 s: the server ended the request long before
    assert outcome["sent"] < 2000
    assert outcome["answer"] == b"" or outcome["answer"].startswith(b"HTTP/1.1 400")


def test_a_normal_client_is_served(server):
    conn = http.client.HTTPConnection(HOST, server, timeout=30)
    try:
        conn.request("POST", "/lire", body=b"x" * 100_000)
        response = conn.getresponse()
        assert response.status == 200 and b"recu=100000" in response.read()
    finally:
        conn.close()
