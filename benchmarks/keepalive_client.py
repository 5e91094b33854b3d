"""A minimal HTTP/1.1 client for the HTTP benchmark: GET on one keep-alive connection,
responses framed by Content-Length (what gunicorn sends for Flask's answers).

The load generator shares the machine's two cores with the server it measures; the
standard library's http.client spends about three times as much CPU per request (header
objects, email parsing), CPU the server does not get. Anything this client does not
understand (chunked bodies, no Content-Length) raises instead of guessing.
"""

from __future__ import annotations

import socket

MAX_HEAD = 65_536


class ProtocolError(Exception):
    pass


class KeepAliveConnection:
    def __init__(self, host: str, port: int, timeout: float = 60.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.host = f"{host}:{port}".encode("ascii")
        self.buffer = bytearray()

    def get(self, target: str) -> tuple[int, bytes]:
        """Status and body of ``GET target``; the connection stays open unless the server
        says ``Connection: close`` (then it is closed, and this object is spent)."""
        self.sock.sendall(b"GET " + target.encode("ascii") + b" HTTP/1.1\r\nHost: " + self.host
                          + b"\r\n\r\n")  # fmt: skip
        head = self._read_head()
        status_line, *lines = head.split(b"\r\n")
        parts = status_line.split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
            raise ProtocolError(f"status line: {status_line[:80]!r}")
        length, close = None, False
        for line in lines:
            name, _, value = line.partition(b":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                raise ProtocolError(f"Transfer-Encoding {value!r} not handled")
            elif name == b"connection" and value == b"close":
                close = True
        if length is None:
            raise ProtocolError("no Content-Length")
        body = self._read_body(length)
        if close:
            self.close()
        return int(parts[1]), body

    def close(self) -> None:
        self.sock.close()

    def _fill(self) -> None:
        chunk = self.sock.recv(262_144)
        if not chunk:
            raise ProtocolError("connection closed by the server")
        self.buffer += chunk

    def _read_head(self) -> bytes:
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            if len(self.buffer) > MAX_HEAD:
                raise ProtocolError("header too long")
            self._fill()
        head = bytes(self.buffer[:end])
        del self.buffer[: end + 4]
        return head

    def _read_body(self, length: int) -> bytes:
        while len(self.buffer) < length:
            self._fill()
        body = bytes(self.buffer[:length])
        del self.buffer[:length]
        return body
