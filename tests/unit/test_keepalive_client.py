"""The HTTP benchmark's client against a local HTTP/1.1 server: several requests on one
connection, bodies framed by Content-Length, and a clear error for what it does not read."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from benchmarks.keepalive_client import KeepAliveConnection, ProtocolError


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    connections: set[int] = set()

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        Handler.connections.add(id(self.connection))
        if self.path.startswith("/chunked"):
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"3\r\nabc\r\n0\r\n\r\n")
            return
        body = ("é" * 40_000 + self.path).encode()  # larger than one recv
        self.send_response(404 if self.path.startswith("/absent") else 200)
        self.send_header("Content-Length", str(len(body)))
        if self.path.startswith("/close"):
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def server() -> Iterator[int]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    Handler.connections.clear()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def test_requests_share_one_connection(server: int):
    client = KeepAliveConnection("127.0.0.1", server)
    for path in ("/a?x=1", "/b", "/absent"):
        status, body = client.get(path)
        assert status == (404 if path == "/absent" else 200)
        assert body == ("é" * 40_000 + path).encode()
    assert len(Handler.connections) == 1
    status, body = client.get("/close")
    assert status == 200 and body.endswith(b"/close")
    with pytest.raises(OSError):
        client.get("/after-close")


def test_what_it_cannot_frame_is_an_error(server: int):
    client = KeepAliveConnection("127.0.0.1", server)
    with pytest.raises(ProtocolError, match="Transfer-Encoding"):
        client.get("/chunked")
