"""Security headers on every response (issue 19, finding 10): a strict Content-Security-Policy
(the site runs only its own scripts and styles, inline ones included never), no MIME
sniffing, no framing except on views marked ``embeddable``, and a short referrer.

A view meant to be shown inside another site's page (the embeddable widget) is decorated
with ``@embeddable``; its ``frame-ancestors`` come from MAPDIR_WIDGET_FRAME_ANCESTORS.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request

from mapdir.config import Settings

F = TypeVar("F", bound=Callable)

REFERRER_POLICY = "strict-origin-when-cross-origin"
_EMBEDDABLE = "_mapdir_embeddable"


def embeddable(view: F) -> F:
    """Mark a view whose pages other sites may frame (MAPDIR_WIDGET_FRAME_ANCESTORS)."""
    setattr(view, _EMBEDDABLE, True)
    return view


def is_embeddable(view: Callable | None) -> bool:
    """Whether ``view`` is marked ``@embeddable``."""
    return bool(view is not None and getattr(view, _EMBEDDABLE, False))


def tile_source(tile_url: str) -> str | None:
    """The CSP source of a Leaflet tile URL template (``https://{s}.tile.x.org/...`` →
    ``https://*.tile.x.org``); None when tiles come from this site (relative URL)."""
    parts = urlsplit(tile_url)
    if not parts.scheme or not parts.netloc:
        return None
    host = parts.netloc
    if "{" in host:  # a placeholder ({s}, {switch:a,b}) in the host: any subdomain of the rest
        host = "*." + host.rsplit("}", 1)[1].lstrip(".")
    return f"{parts.scheme}://{host}"


def content_security_policy(settings: Settings, frame_ancestors: str = "'none'") -> str:
    images = ["'self'", "data:"]
    tiles = tile_source(settings["MAPDIR_TILE_URL"])
    if tiles:
        images.append(tiles)
    directives = {
        "default-src": "'none'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": " ".join(images),
        "connect-src": "'self'",
        "font-src": "'self'",
        "manifest-src": "'self'",
        "form-action": "'self'",
        "base-uri": "'none'",
        "frame-ancestors": frame_ancestors,
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def _is_embeddable() -> bool:
    return is_embeddable(current_app.view_functions.get(request.endpoint or ""))


def init_app(app: Flask, settings: Settings) -> None:
    strict = content_security_policy(settings)
    framed = content_security_policy(settings, settings["MAPDIR_WIDGET_FRAME_ANCESTORS"])

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        embedded = _is_embeddable()
        headers.setdefault("Content-Security-Policy", framed if embedded else strict)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", REFERRER_POLICY)
        if not embedded:  # browsers without frame-ancestors
            headers.setdefault("X-Frame-Options", "DENY")
        return response
