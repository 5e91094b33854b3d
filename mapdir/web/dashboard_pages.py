"""The back-office home page: what to do first in one's scope (mapdir.editing.dashboard),
then the search among one's offers."""

from __future__ import annotations

from typing import NamedTuple

from flask import render_template, request, url_for

from mapdir.editing import dashboard as dashboard_service
from mapdir.editing import duplicates, queries
from mapdir.editing.fields import label_of
from mapdir.editing.permissions import can_create
from mapdir.editing.reports import CATEGORIES as REPORT_CATEGORIES
from mapdir.http.context import connection, current_user
from mapdir.web.auth_pages import login_required
from mapdir.web.edit_pages import edit_bp

PAGE_SIZE = 100


class PendingPairs(NamedTuple):
    """The duplicates queue's line on the home page."""

    count: int
    url: str


@edit_bp.get("/edition/")
@login_required
def dashboard():
    user = current_user()
    q = (request.args.get("q") or "").strip()[:200]
    return render_template(
        "edition/tableau.html",
        sections=dashboard_service.dashboard(connection(), user),
        duplicates=PendingPairs(
            duplicates.count_pending(connection(), user), url_for("edition.duplicates_queue")
        ),
        offers=queries.offers_in_scope(connection(), user, q, PAGE_SIZE),
        q=q,
        may_create=can_create(user),
        label_of=label_of,
        report_categories=REPORT_CATEGORIES,
    )
