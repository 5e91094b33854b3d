"""A tiny WSGI application for the gunicorn worker's tests: it tells which process and
which client connection served a request, and can take its time (``/sleep?s=``) or wait for
the test (``/attendre?commence=<file>&fin=<file>``: creates the first file, then answers
once the test has created the second)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import parse_qs

WAIT_BOUND_S = 120  # /attendre gives up after this, so that a broken test cannot hang it


def app(environ, start_response):
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if environ["PATH_INFO"] == "/sleep":
        time.sleep(float(query.get("s", ["1"])[0]))
    if environ["PATH_INFO"] == "/attendre":
        Path(query["commence"][0]).touch()
        release, deadline = Path(query["fin"][0]), time.monotonic() + WAIT_BOUND_S
        while not release.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
    received = ""
    if environ["PATH_INFO"] == "/lire":  # read the whole body, as a form parser does
        length = int(environ.get("CONTENT_LENGTH") or 0)
        data = environ["wsgi.input"].read(length)
        if len(data) < length:
            start_response("400 Bad Request", [("Content-Length", "0")])
            return [b""]
        received = f" recu={len(data)}"
    body = f"pid={os.getpid()} port={environ.get('REMOTE_PORT')} path={environ['PATH_INFO']}"
    body += received
    data = body.encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(data)))])
    return [data]
