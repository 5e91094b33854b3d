"""HTML pages (French, server-rendered): thin views over the services."""

from flask import Blueprint

web_bp = Blueprint("web", __name__)

from mapdir.web import (  # noqa: E402,F401
    calendar_pages,
    labels,
    orientation,
    pages,
    planner_pages,
    search_pages,
    widget_pages,
)
