"""JSON API v1: thin routes that validate parameters and call the services."""

from flask import Blueprint

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")

from mapdir.api import (  # noqa: E402,F401
    communes,
    export_data_inclusion,
    openapi,
    planification,
    recherche,
)
