"""Where a form may send the browser next (``suivant``, ``retour``): only a path of this site,
checked on the value the browser will read."""

from __future__ import annotations

from urllib.parse import urlsplit

from werkzeug.urls import iri_to_uri

MAX_LENGTH = 2000


def same_site_path(value: str | None, prefix: str = "/") -> str | None:
    """``value`` as a Location header when it is a path of this site under ``prefix``,
    else None.

    A browser drops tabs and newlines from a URL and reads ``\\`` as ``/`` (WHATWG URL
    parsing): ``/\\t/evil.example`` would become ``//evil.example``, another site. So any
    control character or backslash refuses the value, and the URI actually sent (non-ASCII
    percent-encoded) must have neither scheme nor host nor start with ``//``."""
    if not value or len(value) > MAX_LENGTH or "\\" in value or value.startswith("//"):
        return None
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return None
    location = iri_to_uri(value)
    parts = urlsplit(location)
    if parts.scheme or parts.netloc or location.startswith("//"):
        return None
    return location if parts.path.startswith(prefix) else None
