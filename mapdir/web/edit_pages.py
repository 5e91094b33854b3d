"""Back-office pages: offers of one's scope, edit/create/close, permanences, history, conflicts.

Thin views: every permission is checked again in ``mapdir.editing.services`` (pages and the
JSON endpoint alike); each write runs in its own transaction. Forms carry the CSRF token;
the JSON endpoint needs the ``X-CSRFToken`` header (flask-wtf's CSRFProtect).
"""

from __future__ import annotations

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
from mapdir.editing import freshness, history, permanences, positions, queries, services
from mapdir.editing.fields import FIELDS, GROUPS, check_json_values, label_of, parse_offer_form
from mapdir.editing.geocoding import address_locator
from mapdir.editing.permissions import can_create, can_edit_offer
from mapdir.errors import InvalidParameter, MapdirError
from mapdir.http.context import connection, current_user, engine, settings
from mapdir.http.redirects import same_site_path
from mapdir.web.auth_pages import login_required
from mapdir.web.messages import notify

edit_bp = Blueprint("edition", __name__)


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


def _submit_form(row: Any, save: Callable[[Any, dict[str, Any]], tuple[int, int | None]]):
    """Validate the offer form, save it in one transaction (``save`` returns the offer id
    and the change recorded, if any), or show the form again with the French errors (400)."""
    values, errors = parse_offer_form(request.form)
    if not errors:
        try:
            with engine().begin() as conn:
                offer_id, change_id = save(conn, values)
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
    if row is None:
        notify("Offre créée.")
    elif change_id is None:
        notify("Aucun changement : rien n'a été enregistré.")
    else:
        notify("Modifications enregistrées.", undo=change_id)
    return redirect(url_for("edition.offer_page", offer_id=offer_id))


@edit_bp.get("/edition/offres/<int:offer_id>")
@login_required
def offer_page(offer_id: int):
    row = _require_edit(offer_id)
    permanences = queries.offer_permanences(connection(), offer_id)
    closure = queries.last_closure_reason(connection(), offer_id)
    return render_template(
        "edition/offre.html",
        offer=row,
        groups=GROUPS,
        permanences=permanences,
        closure=closure,
        location_conflicts=positions.location_conflicts(connection(), offer_id),
    )


@edit_bp.route("/edition/offres/<int:offer_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(offer_id: int):
    row = _require_edit(offer_id)
    if request.method == "GET":
        return render_template(
            "edition/formulaire.html", offer=row, groups=GROUPS, values=_form_values(row), errors={}
        )

    def save(conn, values: dict[str, Any]) -> tuple[int, int | None]:
        change = services.edit_offer(conn, current_user(), offer_id, values, geocode=geocode_hook())
        return offer_id, change

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
        lambda conn, values: (
            services.create_offer(conn, current_user(), values, geocode=geocode_hook()),
            None,
        ),
    )


@edit_bp.post("/edition/offres/<int:offer_id>/fermer")
@login_required
def close(offer_id: int):
    with engine().begin() as conn:
        change = services.set_status(
            conn, current_user(), offer_id, "fermee", motif=request.form.get("motif")
        )
    notify(
        "Offre fermée : elle n'est plus proposée au public." if change else "Offre déjà fermée.",
        undo=change,
    )
    return redirect(url_for("edition.offer_page", offer_id=offer_id))


@edit_bp.post("/edition/offres/<int:offer_id>/rouvrir")
@login_required
def reopen(offer_id: int):
    with engine().begin() as conn:
        change = services.set_status(conn, current_user(), offer_id, "ouverte")
    notify("Offre rouverte." if change else "Offre déjà ouverte.", undo=change)
    return redirect(url_for("edition.offer_page", offer_id=offer_id))


@edit_bp.post("/edition/offres/<int:offer_id>/confirmer")
@login_required
def confirm(offer_id: int):
    return act_on_offer(
        offer_id, services.confirm_up_to_date, "« {name} » confirmée à jour aujourd'hui."
    )


def act_on_offer(offer_id: int, act: Callable[[Any, Any, int], int], done: str):
    """A one-button action on an offer (``act(conn, user, offer_id)`` returns the change
    it recorded): says ``done`` (``{name}``: the offer's) with « Annuler », and goes back to
    ``retour`` (a back-office page) or to the offer's page."""
    with engine().begin() as conn:
        change = act(conn, current_user(), offer_id)
        name = queries.offer_row(conn, offer_id).nom
    notify(done.format(name=name), undo=change)
    back = same_site_path(request.form.get("retour"), prefix="/edition/")
    return redirect(back or url_for("edition.offer_page", offer_id=offer_id))


@edit_bp.post("/edition/offres/<int:offer_id>/permanences")
@login_required
def add_permanence(offer_id: int):
    data = {
        k: (request.form.get(k) or "").strip() or None
        for k in ("code_insee", "lieu", "adresse", "horaires")
    }
    with engine().begin() as conn:
        permanences.add_permanence(conn, current_user(), offer_id, data)
    notify("Permanence ajoutée.")
    return redirect(url_for("edition.offer_page", offer_id=offer_id))


@edit_bp.post("/edition/permanences/<int:permanence_id>/<any(fermer, rouvrir):verb>")
@login_required
def permanence_status(permanence_id: int, verb: str):
    with engine().begin() as conn:
        permanences.set_permanence_status(
            conn, current_user(), permanence_id, "fermee" if verb == "fermer" else "active"
        )
        offer_id = queries.offer_of_permanence(conn, permanence_id)
    notify("Permanence fermée." if verb == "fermer" else "Permanence rouverte.")
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
    notify("Modification annulée : les valeurs précédentes sont rétablies.")
    back = same_site_path(request.form.get("retour"), prefix="/edition/") or same_site_path(
        request.form.get("retour"), prefix="/offres/"
    )
    return redirect(back or url_for("edition.offer_history", offer_id=offer_id))


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
    notify("Conflit résolu.")
    return redirect(url_for("edition.conflicts"))


@edit_bp.errorhandler(MapdirError)
def _edit_error(exc: MapdirError):
    if request.path.endswith(".json"):
        return jsonify(exc.to_dict()), exc.http_status
    page = render_template("erreur.html", status=exc.http_status, message=exc.message)
    return page, exc.http_status


def _freshness_selection() -> tuple[list[dict[str, Any]], dict[str, int], str]:
    """The user's offers to check, restricted to the ``categorie`` asked for, if any."""
    wanted = request.args.get("categorie") or ""
    rows, counts = freshness.freshness_rows(connection(), current_user(), wanted=wanted)
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


# the home page, the reports, the duplicates queue, the positions to check and the
# spreadsheet import join edit_bp from their own modules
from mapdir.web import (  # noqa: E402,F401
    dashboard_pages,
    duplicate_pages,
    import_pages,
    position_pages,
    report_pages,
)
