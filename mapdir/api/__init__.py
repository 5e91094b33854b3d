"""JSON API v1: thin routes declared with their parameters (mapdir.api.endpoints), which
validate the request and generate the OpenAPI document, then call the services."""

from flask import Blueprint

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")

from mapdir.api import (  # noqa: E402,F401
    communes,
    endpoints,
    export_data_inclusion,
    planification,
    recherche,
)
