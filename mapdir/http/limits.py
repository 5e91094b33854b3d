"""Request body limits per kind of route (issue 19, finding 4): a body larger than its
route allows is refused with a 413 before it is read (from its Content-Length) or as soon as
it passes the limit (a chunked body), before any form parsing or CSRF check reads it.

Every route takes at most FORM_LIMIT (forms, JSON); a view taking a file is decorated with
``@body_limit(its file size + MULTIPART_MARGIN)``. Slow clients are bounded by the server instead
(mapdir/http/gunicorn_worker.py, the reverse proxy: README, deployment).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, current_app, request

F = TypeVar("F", bound=Callable)

FORM_LIMIT = 256 * 1024
MULTIPART_MARGIN = 64 * 1024  # beside a file: the other fields and the multipart framing
_LIMIT = "_mapdir_body_limit"


def body_limit(max_bytes: int) -> Callable[[F], F]:
    """Let a view's requests carry up to ``max_bytes`` (instead of FORM_LIMIT)."""

    def mark(view: F) -> F:
        setattr(view, _LIMIT, max_bytes)
        return view

    return mark


def init_app(app: Flask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = FORM_LIMIT
    app.config["MAX_FORM_MEMORY_SIZE"] = FORM_LIMIT  # one non-file field of a multipart body
    app.config["MAX_FORM_PARTS"] = 500

    # URL value preprocessors run before every before_request function (CSRF included)
    @app.url_value_preprocessor
    def _route_limit(endpoint: str | None, _values: dict[str, Any] | None) -> None:
        view = current_app.view_functions.get(endpoint or "")
        limit = getattr(view, _LIMIT, None)
        if limit is not None:
            request.max_content_length = limit
        _buffer_unsized_body(request.max_content_length)


def _buffer_unsized_body(limit: int | None) -> None:
    """A body without Content-Length (chunked) is read here, up to ``limit`` + 1 bytes: over
    the limit it is refused (Werkzeug would cut it at the limit without a word), within it
    the request goes on with the bytes read."""
    environ = request.environ
    if limit is None or request.content_length is not None:
        return
    if not environ.get("wsgi.input_terminated"):
        return  # Werkzeug reads no body without a length from such a server
    stream, data = environ["wsgi.input"], bytearray()
    while len(data) <= limit:
        chunk = stream.read(limit + 1 - len(data))
        if not chunk:
            break
        data += chunk
    if len(data) > limit:
        abort(413)
    environ["wsgi.input"] = io.BytesIO(bytes(data))
    environ["CONTENT_LENGTH"] = str(len(data))
