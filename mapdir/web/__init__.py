"""HTML pages (French, server-rendered): thin views over the services."""

from collections.abc import Collection

from flask import Blueprint, request

from mapdir.offers.models import STATUS_LABELS, STATUS_WARNINGS

web_bp = Blueprint("web", __name__)


@web_bp.app_template_filter("statut_offre")
def status_label(statut: str | None) -> str:
    """An offer's status in French (back-office and public pages)."""
    return STATUS_LABELS.get(statut or "", statut or "")


@web_bp.app_template_filter("avertissement_statut")
def status_warning(statut: str | None) -> str:
    """The public page's warning for an offer that is not active."""
    return STATUS_WARNINGS.get(statut or "", "")


def query_choice(name: str, allowed: Collection[str], default: str) -> str:
    """The query-string value ``name`` when it is one of ``allowed``, else ``default``."""
    value = request.args.get(name) or default
    return value if value in allowed else default


from mapdir.web import (  # noqa: E402,F401
    calendar_pages,
    labels,
    orientation,
    pages,
    planner_pages,
    search_pages,
    widget_pages,
)
