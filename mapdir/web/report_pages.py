"""Public reports on an offer (no account: categories, free text, honeypot, limit per IP)
and their moderation queue in the back-office."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for

from mapdir.editing import queries, reports
from mapdir.errors import MapdirError
from mapdir.http.context import connection, current_user, engine
from mapdir.web import query_choice
from mapdir.web.auth_pages import login_required
from mapdir.web.edit_pages import edit_bp


@edit_bp.route("/offres/<int:offer_id>/signaler", methods=["GET", "POST"])
def report(offer_id: int):
    """Public form (no account): categories, free text, honeypot, limit per IP."""
    row = queries.offer_row(connection(), offer_id)
    page = "edition/signaler.html"
    if request.method == "GET":
        return render_template(page, offer=row, categories=reports.CATEGORIES, form={})
    if request.form.get("site_internet"):  # honeypot: only robots fill the hidden field
        return render_template(page, offer=row, categories=reports.CATEGORIES, sent=True)
    fingerprint = reports.ip_fingerprint(
        request.remote_addr or "?", current_app.config["SECRET_KEY"]
    )
    try:
        with engine().begin() as conn:
            reports.submit_report(
                conn,
                offer_id,
                request.form.get("categorie") or "",
                request.form.get("message") or "",
                request.form.get("courriel"),
                fingerprint,
            )
    except MapdirError as exc:
        status = exc.http_status
        body = render_template(
            page, offer=row, categories=reports.CATEGORIES, form=request.form, erreur=exc.message
        )
        return body, status
    return render_template(page, offer=row, categories=reports.CATEGORIES, sent=True)


@edit_bp.get("/edition/signalements")
@login_required
def reports_queue():
    statut = query_choice("statut", reports.STATUSES, "nouveau")
    rows = reports.list_reports(connection(), current_user(), statut)
    return render_template(
        "edition/signalements.html",
        reports=rows,
        statut=statut,
        statuses=reports.STATUSES,
        categories=reports.CATEGORIES,
    )


@edit_bp.post("/edition/signalements/<int:report_id>")
@login_required
def report_status(report_id: int):
    with engine().begin() as conn:
        reports.set_report_status(conn, current_user(), report_id, request.form.get("statut", ""))
    return redirect(url_for("edition.reports_queue"))
