"""The back-office home page: what to do first in one's scope (mapdir.editing.dashboard),
then the search among one's offers."""

from __future__ import annotations

from flask import render_template, request

from mapdir.editing import dashboard as dashboard_service
from mapdir.editing import queries
from mapdir.editing.fields import label_of
from mapdir.editing.permissions import can_create
from mapdir.editing.reports import CATEGORIES as REPORT_CATEGORIES
from mapdir.http.context import connection, current_user
from mapdir.web.auth_pages import login_required
from mapdir.web.edit_pages import edit_bp

PAGE_SIZE = 100


@edit_bp.get("/edition/")
@login_required
def dashboard():
    user = current_user()
    q = (request.args.get("q") or "").strip()[:200]
    return render_template(
        "edition/tableau.html",
        sections=dashboard_service.dashboard(connection(), user),
        duplicates=None,  # the duplicates queue (issue 17) will give its count here
        offers=queries.offers_in_scope(connection(), user, q, PAGE_SIZE),
        q=q,
        may_create=can_create(user),
        label_of=label_of,
        report_categories=REPORT_CATEGORIES,
    )
