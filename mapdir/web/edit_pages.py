"""Back-office pages: offers of one's scope, edit/create/close, permanences, history, conflicts.

Thin views: every permission is checked again in ``mapdir.editing.services`` (pages and the
JSON endpoint alike); each write runs in its own transaction. Forms carry the CSRF token;
the JSON endpoint needs the ``X-CSRFToken`` header (flask-wtf's CSRFProtect).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from mapdir.editing import conflicts as conflict_service
from mapdir.editing import freshness, history, permanences, queries, reports, services, spreadsheet
from mapdir.editing.fields import FIELDS, GROUPS, check_json_values, label_of, parse_offer_form
from mapdir.editing.geocoding import address_locator
from mapdir.editing.permissions import can_create, can_edit_offer
from mapdir.errors import InvalidParameter, MapdirError
from mapdir.http.context import connection, current_user, engine, settings
from mapdir.web.auth_pages import login_required

edit_bp = Blueprint("edition", __name__)
PAGE_SIZE = 100


def geocode_hook() -> services.GeocodeHook | None:
    """BAN when configured (``MAPDIR_BAN_URL``), else None (the commune's point is used).

    Tests and offline set ``app.config["EDITING_GEOCODER"]`` (None or a callable)."""
    if "EDITING_GEOCODER" in current_app.config:
        return current_app.config["EDITING_GEOCODER"]
    if not settings()["MAPDIR_BAN_URL"]:
        return None
    return address_locator(settings())


def _offer(offer_id: int) -> Any:
    return queries.offer_row(connection(), offer_id)


def _require_edit(offer_id: int) -> Any:
    row = _offer(offer_id)
    if not can_edit_offer(connection(), current_user(), offer_id):
        abort(403)
    return row


def _form_values(row: Any) -> dict[str, Any]:
    values = {name: getattr(row, name) for name in FIELDS if name != "point"}
    values["latitude"] = f"{row.lat:.6f}" if row.lat is not None else ""
    values["longitude"] = f"{row.lon:.6f}" if row.lon is not None else ""
    return values


def _form_echo(values: dict[str, Any]) -> dict[str, Any]:
    echo = dict(values)
    echo["latitude"] = request.form.get("latitude", "")
    echo["longitude"] = request.form.get("longitude", "")
    return echo


def _submit_form(row: Any, save: Callable[[Any, dict[str, Any]], int]):
    """Validate the offer form, save it in one transaction (``save`` returns the offer id),
    or show the form again with the French errors (400)."""
    values, errors = parse_offer_form(request.form)
    if not errors:
        try:
            with engine().begin() as conn:
                offer_id = save(conn, values)
        except InvalidParameter as exc:
            errors[exc.parametre or "formulaire"] = exc.message
    if errors:
        page = render_template(
            "edition/formulaire.html",
            offer=row,
            groups=GROUPS,
            values=_form_echo(values),
            errors=errors,
        )
        return page, 400
    return redirect(url_for("edition.offer_page", offer_id=offer_id))


@edit_bp.get("/edition/")
@login_required
def dashboard():
    user = current_user()
    q = (request.args.get("q") or "").strip()
    offers = queries.offers_in_scope(connection(), user, q, PAGE_SIZE)
    conflict_count = len(conflict_service.list_conflicts(connection(), user))
    return render_template(
        "edition/tableau.html",
        offers=offers,
        q=q,
        conflicts=conflict_count,
        may_create=can_create(user),
    )


@edit_bp.get("/edition/offres/<int:offer_id>")
@login_required
def offer_page(offer_id: int):
    row = _require_edit(offer_id)
    permanences = queries.offer_permanences(connection(), offer_id)
    closure = queries.last_closure_reason(connection(), offer_id)
    return render_template(
        "edition/offre.html", offer=row, groups=GROUPS, permanences=permanences, closure=closure
    )


@edit_bp.route("/edition/offres/<int:offer_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(offer_id: int):
    row = _require_edit(offer_id)
    if request.method == "GET":
        return render_template(
            "edition/formulaire.html", offer=row, groups=GROUPS, values=_form_values(row), errors={}
        )

    def save(conn, values: dict[str, Any]) -> int:
        services.edit_offer(conn, current_user(), offer_id, values, geocode=geocode_hook())
        return offer_id

    return _submit_form(row, save)


@edit_bp.post("/edition/offres/<int:offer_id>.json")
@login_required
def edit_json(offer_id: int):
    """JSON edit: ``{"champ": valeur, …}`` (JSON form of the fields); CSRF header required."""
    _require_edit(offer_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidParameter("Corps JSON attendu : un objet {champ: valeur}.")
    errors = check_json_values(body)
    if errors:
        raise InvalidParameter("Valeurs invalides.", detail=errors)
    with engine().begin() as conn:
        change_id = services.edit_offer(
            conn, current_user(), offer_id, body, geocode=geocode_hook()
        )
    return jsonify({"offre": offer_id, "modification": change_id})


@edit_bp.route("/edition/offres/nouvelle", methods=["GET", "POST"])
@login_required
def create():
    if not can_create(current_user()):
        abort(403)
    if request.method == "GET":
        return render_template(
            "edition/formulaire.html", offer=None, groups=GROUPS, values={}, errors={}
        )
    return _submit_form(
        None,
        lambda conn, values: services.create_offer(
            conn, current_user(), values, geocode=geocode_hook()
        ),
    )


@edit_bp.post("/edition/offres/<int:offer_id>/fermer")
@login_required
def close(offer_id: int):
    with engine().begin() as conn:
        services.set_status(
            conn, current_user(), offer_id, "fermee", motif=request.form.get("motif")
        )
    return redirect(url_for("edition.offer_page", offer_id=offer_id))


@edit_bp.post("/edition/offres/<int:offer_id>/rouvrir")
@login_required
def reopen(offer_id: int):
    with engine().begin() as conn:
        services.set_status(conn, current_user(), offer_id, "ouverte")
    return redirect(url_for("edition.offer_page", offer_id=offer_id))


@edit_bp.post("/edition/offres/<int:offer_id>/confirmer")
@login_required
def confirm(offer_id: int):
    with engine().begin() as conn:
        services.confirm_up_to_date(conn, current_user(), offer_id)
    return redirect(
        request.form.get("retour")
        if (request.form.get("retour") or "").startswith("/edition/")
        else url_for("edition.offer_page", offer_id=offer_id)
    )


@edit_bp.post("/edition/offres/<int:offer_id>/permanences")
@login_required
def add_permanence(offer_id: int):
    data = {
        k: (request.form.get(k) or "").strip() or None
        for k in ("code_insee", "lieu", "adresse", "horaires")
    }
    with engine().begin() as conn:
        permanences.add_permanence(conn, current_user(), offer_id, data)
    return redirect(url_for("edition.offer_page", offer_id=offer_id))


@edit_bp.post("/edition/permanences/<int:permanence_id>/<any(fermer, rouvrir):verb>")
@login_required
def permanence_status(permanence_id: int, verb: str):
    with engine().begin() as conn:
        permanences.set_permanence_status(
            conn, current_user(), permanence_id, "fermee" if verb == "fermer" else "active"
        )
        offer_id = queries.offer_of_permanence(conn, permanence_id)
    return redirect(url_for("edition.offer_page", offer_id=offer_id))


@edit_bp.get("/offres/<int:offer_id>/historique")
@login_required
def offer_history(offer_id: int):
    row = _require_edit(offer_id)
    changes = history.history_of(connection(), offer_id)
    return render_template(
        "edition/historique.html",
        offer=row,
        changes=changes,
        labels=history.ACTION_LABELS,
        label_of=label_of,
        show=history.show_value,
    )


@edit_bp.post("/edition/modifications/<int:change_id>/annuler")
@login_required
def revert(change_id: int):
    with engine().begin() as conn:
        services.revert(conn, current_user(), change_id)
        offer_id = queries.offer_of_change(conn, change_id)
    return redirect(url_for("edition.offer_history", offer_id=offer_id))


@edit_bp.get("/edition/conflits")
@login_required
def conflicts():
    rows = conflict_service.list_conflicts(connection(), current_user())
    return render_template(
        "edition/conflits.html", conflicts=rows, label_of=label_of, show=history.show_value
    )


@edit_bp.post("/edition/conflits/<int:offer_id>/<champ>")
@login_required
def resolve(offer_id: int, champ: str):
    with engine().begin() as conn:
        conflict_service.resolve_conflict(
            conn, current_user(), offer_id, champ, request.form.get("choix") or ""
        )
    return redirect(url_for("edition.conflicts"))


@edit_bp.errorhandler(MapdirError)
def _edit_error(exc: MapdirError):
    if request.path.endswith(".json"):
        return jsonify(exc.to_dict()), exc.http_status
    page = render_template("erreur.html", status=exc.http_status, message=exc.message)
    return page, exc.http_status


def _freshness_selection() -> tuple[list[dict[str, Any]], dict[str, int], str]:
    """The user's offers to check, restricted to the ``categorie`` asked for, if any."""
    rows, counts = freshness.freshness_rows(connection(), current_user())
    wanted = request.args.get("categorie") or ""
    if wanted in freshness.CATEGORIES:
        rows = [r for r in rows if wanted in r["categories"]]
    return rows, counts, wanted


@edit_bp.get("/edition/fraicheur")
@login_required
def freshness_page():
    rows, counts, wanted = _freshness_selection()
    return render_template(
        "edition/fraicheur.html",
        rows=rows,
        counts=counts,
        categories=freshness.CATEGORIES,
        wanted=wanted,
    )


@edit_bp.get("/edition/fraicheur.csv")
@login_required
def freshness_csv():
    rows, _counts, _wanted = _freshness_selection()
    return Response(
        freshness.to_csv(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=fraicheur.csv"},
    )


@edit_bp.route("/offres/<int:offer_id>/signaler", methods=["GET", "POST"])
def report(offer_id: int):
    """Public form (no account): categories, free text, honeypot, limit per IP."""
    row = _offer(offer_id)
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
    statut = request.args.get("statut") or "nouveau"
    if statut not in reports.STATUSES:
        statut = "nouveau"
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


MAX_UPLOAD = 5 * 1024 * 1024


def _import_path(token: str):
    if not token.replace("-", "").replace("_", "").isalnum() or len(token) > 64:
        abort(404)
    return settings().var_dir / "imports" / f"{token}.json"


@edit_bp.route("/edition/import", methods=["GET", "POST"])
@login_required
def import_upload():
    """Spreadsheet import, step 1: upload a CSV/XLSX (kept server-side, owner only)."""
    if not can_create(current_user()):
        abort(403)
    if request.method == "GET":
        return render_template("edition/import.html")
    upload = request.files.get("fichier")
    content = upload.read(MAX_UPLOAD + 1) if upload else b""
    try:
        if not upload or not content:
            raise InvalidParameter("Choisissez un fichier .csv ou .xlsx.")
        if len(content) > MAX_UPLOAD:
            raise InvalidParameter("Fichier trop volumineux (5 Mo au plus).")
        headers, rows = spreadsheet.read_table(upload.filename or "", content)
    except InvalidParameter as exc:
        return render_template("edition/import.html", erreur=exc.message), 400
    token = secrets.token_urlsafe(16)
    path = _import_path(token)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob("*.json"):  # abandoned imports: kept one day
        if stale.stat().st_mtime < time.time() - 86400:
            stale.unlink(missing_ok=True)
    payload = {"user": current_user().id, "headers": headers, "rows": rows}
    path.write_text(json.dumps(payload, ensure_ascii=False))
    return _import_page(token, headers, rows, spreadsheet.guess_mapping(headers))


def _import_page(token, headers, rows, mapping, results=None, done=False, status=200):
    page = render_template(
        "edition/import_colonnes.html",
        token=token,
        headers=headers,
        sample=rows[:3],
        count=len(rows),
        targets=spreadsheet.TARGETS,
        mapping=mapping,
        results=results,
        done=done,
    )
    return page, status


@edit_bp.post("/edition/import/<token>")
@login_required
def import_run(token: str):
    """Step 2: map the columns, check (dry run) or import; errors per row, in French."""
    path = _import_path(token)
    if not path.exists():
        abort(404)
    stored = json.loads(path.read_text())
    if stored["user"] != current_user().id or not can_create(current_user()):
        abort(403)
    headers, rows = stored["headers"], stored["rows"]
    mapping = spreadsheet.mapping_from_form(request.form, len(headers))
    if "nom" not in mapping:
        return _import_page(token, headers, rows, mapping, status=400)
    dry_run = request.form.get("action") != "importer"
    with engine().begin() as conn:
        results = spreadsheet.import_rows(conn, current_user(), rows, mapping, dry_run=dry_run)
    if not dry_run:
        path.unlink(missing_ok=True)
    return _import_page(token, headers, rows, mapping, results=results, done=not dry_run)
