"""The Flask class of mapdir: JSON by orjson, sessions opened only when a cookie holds one."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from mapdir.http.json_provider import OrjsonProvider


class LazySessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, without building the signing serializer (a key
    derivation) for requests that carry no session cookie, such as every API call and
    most public pages: they get the same new empty session as before."""

    def open_session(self, app: Flask, request: Any) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


class MapdirFlask(Flask):
    json_provider_class = OrjsonProvider
    session_interface = LazySessionInterface()
