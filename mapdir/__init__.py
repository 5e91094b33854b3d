"""mapdir: geospatial directory of digital-inclusion offers for France."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask

from mapdir.config import PROJECT_ROOT, Settings


def _secret_key(settings: Settings) -> str:
    if settings["MAPDIR_SECRET_KEY"]:
        return settings["MAPDIR_SECRET_KEY"]
    path = settings.var_dir / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _init_editing(app: Flask, settings: Settings) -> None:
    """Back-office: CSRF on every form and data-changing JSON, session cookie flags."""
    from flask_wtf.csrf import CSRFProtect

    from mapdir.http import context
    from mapdir.web.auth_pages import auth_bp
    from mapdir.web.edit_pages import edit_bp

    app.config["SESSION_COOKIE_SECURE"] = settings["MAPDIR_SECURE_COOKIES"] == "1"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # tied to the session instead
    csrf = CSRFProtect(app)
    # POST /api/v1/planification only computes (writes nothing): API clients need no token
    csrf.exempt("mapdir.api.planification.planification")
    context.init_app(app)  # after CSRFProtect: a refused form never reads the user
    app.register_blueprint(auth_bp)
    app.register_blueprint(edit_bp)


def create_app(settings: Settings | dict[str, Any] | None = None) -> Flask:
    """Application factory. ``settings``: a Settings, or overrides of the environment."""
    if not isinstance(settings, Settings):
        overrides = dict(settings or {})
        flask_config = {
            k: overrides.pop(k)
            for k in list(overrides)
            if not k.startswith(("MAPDIR_", "DATABASE_URL"))
        }
        settings = Settings.from_env(overrides)
    else:
        flask_config = {}
    from mapdir.http.flask_app import MapdirFlask

    app = MapdirFlask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config["MAPDIR_SETTINGS"] = settings
    app.config["SECRET_KEY"] = _secret_key(settings)
    app.config["JSON_SORT_KEYS"] = False
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    from mapdir.http import limits, security_headers

    limits.init_app(app)  # before the caller's Flask config, which may change the limits
    app.config.update(flask_config)

    from mapdir.api import api_bp
    from mapdir.http.errors import register_error_handlers
    from mapdir.web import web_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(web_bp)
    _init_editing(app, settings)
    from mapdir.ogc import init_app as init_ogc

    init_ogc(app, settings)  # OGC API Features at /ogc/ (pygeoapi's blueprint)
    register_error_handlers(app)
    security_headers.init_app(app, settings)
    return app
