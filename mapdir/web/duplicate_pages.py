"""The animators' duplicates queue (``/edition/doublons``): pairs to confirm or reject,
decisions to undo. Thin views over ``mapdir.editing.duplicates``, which checks the
permission and the territory of both offers on every action."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from mapdir.editing import duplicates
from mapdir.errors import Conflict
from mapdir.http.context import connection, current_user, engine
from mapdir.web import query_choice
from mapdir.web.auth_pages import login_required
from mapdir.web.edit_pages import edit_bp

SOURCE_LABELS = {
    "france-services": "France services",
    "mednum-v1": "Lieux de médiation numérique",
    "haute-vienne": "Carte de la Haute-Vienne",
    "data-inclusion-lieux": "data·inclusion",
    "conseillers-numeriques": "Conseillers numériques",
    "aidants-connect": "Aidants Connect",
}
DONE = {  # ?fait=… after a redirect: what the person just did
    "confirmer": "Fusion confirmée.",
    "rejeter": "Paire rejetée : les deux offres restent distinctes.",
    "annuler": "Décision annulée.",
}


def _page(view: str, status: int = 200, erreur: str | None = None, message: str | None = None):
    user = current_user()
    page = render_template(
        "edition/doublons.html",
        pairs=duplicates.list_pairs(connection(), user, view),
        pending=duplicates.count_pending(connection(), user),
        view=view,
        views=duplicates.VIEWS,
        sources=SOURCE_LABELS,
        erreur=erreur,
        message=message,
        paire=request.args.get("paire", type=int),
    )
    return page, status


@edit_bp.get("/edition/doublons")
@login_required
def duplicates_queue():
    view = query_choice("vue", duplicates.VIEWS, "a_verifier")
    return _page(view, message=DONE.get(request.args.get("fait") or ""))


@edit_bp.post("/edition/doublons/<int:pair_id>")
@login_required
def duplicate_decision(pair_id: int):
    action = request.form.get("action") or ""
    view = request.form.get("vue") or "a_verifier"
    if view not in duplicates.VIEWS:
        view = "a_verifier"
    try:
        with engine().begin() as conn:
            duplicates.decide(conn, current_user(), pair_id, action)
    except Conflict as exc:  # decided meanwhile (another tab, another animator)
        return _page(view, status=exc.http_status, erreur=exc.message)
    # after a redirect, a reload does not post again; the page says what was done
    return redirect(
        url_for("edition.duplicates_queue", vue=view, fait=action, paire=pair_id), code=303
    )
