"""Spreadsheet import (CSV/XLSX) in two steps: upload (the table is staged server-side for
its owner, mapdir.editing.import_staging), then map the columns, check, and import — the
import only after a successful check of the same file with the same columns."""

from __future__ import annotations

from flask import abort, render_template, request

from mapdir.editing import import_staging, spreadsheet
from mapdir.editing.import_staging import MAX_UPLOAD
from mapdir.editing.permissions import can_create
from mapdir.errors import InvalidParameter, NotFound
from mapdir.http.context import current_user, engine, settings
from mapdir.http.limits import MULTIPART_MARGIN, body_limit
from mapdir.web.auth_pages import login_required
from mapdir.web.edit_pages import edit_bp

CHECK_FIRST = (
    "Vérifiez d'abord le fichier avec ces colonnes : l'import se fait après une vérification"
    " réussie (au moins une ligne valide)."
)


@edit_bp.route("/edition/import", methods=["GET", "POST"])
@body_limit(MAX_UPLOAD + MULTIPART_MARGIN)
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
    token = import_staging.stage(settings().var_dir, current_user().id, headers, rows)
    return _import_page(token, headers, rows, spreadsheet.guess_mapping(headers))


def _import_page(token, headers, rows, mapping, *, status=200, **outcome):
    """The mapping form; ``outcome``: results, done, checked, erreur."""
    page = render_template(
        "edition/import_colonnes.html",
        token=token,
        headers=headers,
        sample=rows[:3],
        count=len(rows),
        targets=spreadsheet.TARGETS,
        mapping=mapping,
        **{"results": None, "done": False, "checked": False, **outcome},
    )
    return page, status


@edit_bp.post("/edition/import/<token>")
@login_required
def import_run(token: str):
    """Step 2: map the columns, check (dry run) or import; errors per row, in French."""
    if not can_create(current_user()):
        abort(403)
    var_dir, user = settings().var_dir, current_user()
    stored = import_staging.staged(var_dir, user.id, token)
    if stored is None:
        raise NotFound(import_staging.GONE)
    headers, rows = stored["headers"], stored["rows"]
    mapping = spreadsheet.mapping_from_form(request.form, len(headers))
    if "nom" not in mapping:
        return _import_page(token, headers, rows, mapping, status=400)
    dry_run = request.form.get("action") != "importer"
    if not dry_run and not import_staging.checked_with(stored, mapping):
        return _import_page(token, headers, rows, mapping, status=400, erreur=CHECK_FIRST)
    with engine().begin() as conn:
        results = spreadsheet.import_rows(
            conn,
            user,
            rows,
            mapping,
            headers=headers,
            dry_run=dry_run,
        )
    checked = dry_run and any(r.valid for r in results)
    if checked:
        import_staging.mark_checked(var_dir, user.id, token, mapping)
    if not dry_run:
        import_staging.discard(var_dir, user.id, token)
    return _import_page(
        token,
        headers,
        rows,
        mapping,
        results=results,
        done=not dry_run,
        checked=checked,
    )
