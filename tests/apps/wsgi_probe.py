"""A tiny WSGI application for the gunicorn worker's tests: it tells which process and
which client connection served a request, and can take its time."""

from __future__ import annotations

import os
import time
from urllib.parse import parse_qs


def app(environ, start_response):
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if environ["PATH_INFO"] == "/sleep":
        time.sleep(float(query.get("s", ["1"])[0]))
    body = f"pid={os.getpid()} port={environ.get('REMOTE_PORT')} path={environ['PATH_INFO']}"
    data = body.encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(data)))])
    return [data]
