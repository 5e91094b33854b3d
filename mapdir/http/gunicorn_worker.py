"""The gunicorn worker of the site: gthread's event loop and HTTP keep-alive, each request
served on the loop's own thread.

A worker serves one request at a time (scripts/demo: ``--threads 1``): gthread then hands
each request from its event loop to its one pool thread and the answer back through a pipe,
two thread switches, a pipe write and read, and a second turn of the loop per request. This
worker keeps everything else of gthread (keep-alive, idle connections on the poller,
graceful stop) and calls the request handler in the loop: less worker CPU per request,
which is throughput on a busy two-core server (docs/decisions/0006-gunicorn-inline-worker.md;
figures in docs/benchmarks.md).

Differences from gthread, on purpose:

- a new connection waits on the poller until its first bytes arrive (gthread waits up to
  5 s in its thread, which, with one thread, held every other connection back meanwhile);
- the liveness signal to the arbiter comes from a small thread every second, as gthread's
  loop gave it while its pool thread worked: a long request (a planning computation) is
  not killed by ``--timeout``, as before;
- reading a request (its line, headers and body) has a deadline, MAPDIR_REQUEST_READ_TIMEOUT_S
  from its first byte: a client sending one byte a second would otherwise hold the
  worker, and every request behind it, for as long as it likes. Past the deadline the
  request reads as ended (the app answers 400 for a cut body, a cut head closes the
  connection). Behind a buffering reverse proxy (README, deployment) it never triggers.

Depends on gthread's ThreadWorker (gunicorn 27: ``pyproject.toml`` pins the major version);
``tests/integration/test_gunicorn_worker.py`` runs it in a real gunicorn.
"""

from __future__ import annotations

import errno
import logging
import selectors
import socket
import threading
import time
from collections import deque
from functools import partial
from typing import Any

from gunicorn.workers.gthread import DEFAULT_WORKER_DATA_TIMEOUT, TConn, ThreadWorker

from mapdir.config import Settings

HEARTBEAT_S = 1.0
log = logging.getLogger(__name__)


class DeadlineSocket:
    """A client socket whose reads stop at ``deadline`` (monotonic seconds; None: none)."""

    __slots__ = ("_sock", "deadline", "peer")

    def __init__(self, sock: socket.socket, peer: Any) -> None:
        self._sock = sock
        self.deadline: float | None = None
        self.peer = peer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def recv(self, size: int, *flags: int) -> bytes:
        if self.deadline is None:
            return self._sock.recv(size, *flags)
        remaining = self.deadline - time.monotonic()
        try:
            if remaining <= 0:
                raise TimeoutError
            self._sock.settimeout(remaining)
            try:
                return self._sock.recv(size, *flags)
            finally:
                self._sock.settimeout(None)  # blocking again, as the request's thread wants
        except TimeoutError:
            log.warning("request from %s not received within its deadline: cut", self.peer)
            self.deadline = time.monotonic() - 1  # every later read of it ends at once
            return b""


class _Done:
    """The finished "future" that gthread's finish_request expects."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def result(self) -> object:
        return self.value

    def cancelled(self) -> bool:
        return False


class InlineThreadWorker(ThreadWorker):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._ready: deque[TConn] = deque()
        self.read_timeout_s = Settings.from_env().float("MAPDIR_REQUEST_READ_TIMEOUT_S")

    def run(self) -> None:
        threading.Thread(target=self._heartbeat, name="heartbeat", daemon=True).start()
        super().run()

    def _heartbeat(self) -> None:
        while True:
            try:
                self.tmp.notify()
            except (OSError, ValueError):
                return  # the worker is exiting (its heartbeat file closed)
            time.sleep(HEARTBEAT_S)

    def notify(self) -> None:
        """The heartbeat thread tells the arbiter (not each turn of the loop: a syscall)."""

    def accept(self, listener) -> None:
        """Accept a connection and wait on the poller for its request."""
        try:
            client, address = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = TConn(self.cfg, DeadlineSocket(client, address), address, listener.getsockname())
        # as long as gthread allows a new connection: its wait, then its keep-alive
        conn.timeout = time.monotonic() + DEFAULT_WORKER_DATA_TIMEOUT + self.cfg.keepalive
        self.pending_conns.append(conn)
        self.poller.register(
            conn.sock, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn)
        )

    def handle(self, conn: TConn):
        """gthread's handling, with the request's reads bounded by the deadline."""
        conn.sock.deadline = time.monotonic() + self.read_timeout_s
        try:
            return super().handle(conn)
        finally:
            conn.sock.deadline = None

    def enqueue_req(self, conn: TConn) -> None:
        """Serve the request now, on this thread. finish_request may hand the connection
        back at once (a client's next request already read): it is served in this loop,
        not by recursion."""
        self._ready.append(conn)
        if len(self._ready) > 1:
            return  # an outer call is serving: it will take this one
        while self._ready:
            current = self._ready[0]
            try:
                self.finish_request(current, _Done(self.handle(current)))
            finally:
                self._ready.popleft()
