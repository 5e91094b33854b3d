"""OGC API Features under /ogc/, served by pygeoapi's own Flask blueprint.

pygeoapi's ``flask_app`` module reads one configuration file at import time into a
module-level ``api_`` object that its views use. mapdir generates the configuration from
each app's settings instead (mapdir/ogc/config.py): the module is imported once with a
bootstrap file (no database, no secret), then its ``api_`` is replaced by a stand-in that
hands each request the ``pygeoapi.api.API`` of its own app and public address. The views,
the OGC logic and the PostgreSQL provider are pygeoapi's (docs/ogc.md,
docs/decisions/ogc-api-pygeoapi.md).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import yaml
from flask import Flask, Response, current_app, request
from werkzeug.datastructures import Headers

from mapdir.config import Settings

EXTENSION = "mapdir.ogc"
MAX_ADDRESSES = 8  # APIs kept per app, one per public address seen (Host headers vary)
_import_lock = threading.Lock()


class OgcState:
    """One app's pygeoapi APIs, by public address (created at first use)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.apis: OrderedDict[str, Any] = OrderedDict()
        self.lock = threading.Lock()

    def api(self, base_url: str) -> Any:
        with self.lock:
            if base_url in self.apis:
                self.apis.move_to_end(base_url)
                return self.apis[base_url]
        from pygeoapi.api import API
        from pygeoapi.openapi import get_oas

        from mapdir.ogc.config import pygeoapi_config

        config = pygeoapi_config(self.settings, base_url)
        api = API(config, get_oas(config, fail_on_invalid_collection=False))
        with self.lock:
            self.apis[base_url] = api
            while len(self.apis) > MAX_ADDRESSES:
                self.apis.popitem(last=False)
        return api


class _CurrentAppAPI:
    """Stands for pygeoapi's module-level API object: the API of the app handling the
    request, for its public address (MAPDIR_PUBLIC_URL, else the request's own)."""

    def __getattr__(self, name: str) -> Any:
        state: OgcState = current_app.extensions[EXTENSION]
        base_url = state.settings["MAPDIR_PUBLIC_URL"] or request.url_root
        return getattr(state.api(base_url.rstrip("/")), name)


def _bootstrap_files(settings: Settings) -> tuple[Path, Path]:
    """A configuration and an OpenAPI document for pygeoapi's import only (no resource, no
    database): what each request uses comes from the app's settings."""
    from mapdir.ogc.config import pygeoapi_config

    folder = settings.var_dir / "ogc"
    folder.mkdir(parents=True, exist_ok=True)
    config = pygeoapi_config(settings, "http://127.0.0.1")
    config["resources"] = {}
    config_path, openapi_path = folder / "bootstrap.yml", folder / "bootstrap-openapi.yml"
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    openapi_path.write_text("openapi: 3.0.2\ninfo: {title: mapdir, version: '1'}\npaths: {}\n")
    return config_path, openapi_path


def _blueprint(settings: Settings) -> Any:
    """pygeoapi's blueprint, its module imported once per process."""
    with _import_lock:
        import sys

        if "pygeoapi.flask_app" not in sys.modules:
            config_path, openapi_path = _bootstrap_files(settings)
            os.environ["PYGEOAPI_CONFIG"] = str(config_path)
            os.environ["PYGEOAPI_OPENAPI"] = str(openapi_path)
        import pygeoapi.flask_app as flask_app

        if not isinstance(flask_app.api_, _CurrentAppAPI):
            flask_app.api_ = _CurrentAppAPI()
        return flask_app.BLUEPRINT


def init_app(app: Flask, settings: Settings) -> None:
    """Mount OGC API Features at /ogc/ (pygeoapi's blueprint, this app's configuration)."""
    app.extensions[EXTENSION] = OgcState(settings)
    app.register_blueprint(_blueprint(settings), url_prefix="/ogc")

    @app.after_request
    def _werkzeug_headers(response: Response) -> Response:
        # pygeoapi's views replace the headers by a plain dict; Flask then fails (a 500) when
        # it sets or deletes the session cookie (a signed-out stale session, for instance)
        if not isinstance(response.headers, Headers):
            response.headers = Headers(response.headers)
        return response
