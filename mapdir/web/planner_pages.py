"""The planners' pages: accessibility map (hours of help per 1,000 people in need), classes,
funders' indicators, EPCI ranking, proposed stops with why, rota, scenario comparison,
downloads (named after the scenario), the map to take away, publish / confirm / withdraw.
Thin views over mapdir.planner; no SQL here. A bad parameter is a message on the form.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from urllib.parse import parse_qsl, urlencode

from flask import Response, redirect, render_template, request, url_for

from mapdir.editing.permissions import can_plan, require_planner
from mapdir.errors import InvalidParameter
from mapdir.geo.travel import LABELS as MODE_LABELS
from mapdir.http.context import connection, current_user, engine, settings
from mapdir.offers.type_offre import LABELS as TYPE_LABELS
from mapdir.offers.vocab import PROGRAMMES, SERVICES
from mapdir.planner import (
    access_plan,
    access_report,
    accessibility,
    carte,
    exports,
    publication,
    services,
    territories,
)
from mapdir.planner.access_data import NEED_LABELS
from mapdir.planner.parameters import parse_request
from mapdir.web import web_bp

PLAN_FIELDS = ("mode", "besoin", "type_offre", "k", "seuil_min", "programme", "territoire")
PLAN_FIELDS += ("depot", "cycle_semaines", "solveur", "heures_arret")
MAX_SCENARIOS = 4


def _form_values(source, departement: str) -> dict:
    values = {k: (source.get(k) or "").strip() for k in PLAN_FIELDS}
    values["services"] = ",".join(v for v in source.getlist("services") if v)
    values["departement"] = departement.upper()
    return values


def _query(values: dict) -> str:
    return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def _depot_code(conn, departement: str, raw: str) -> str | None:
    """The INSEE code of the depot typed as "Nom (87xxx)", a code or a name of the
    département; a French message naming the field otherwise."""
    if not raw:
        return None
    rows = territories.commune_names(conn, departement)
    picked = re.search(r"\((\w{5})\)$", raw)  # "Nom (87xxx)" from the list
    if picked:
        raw = picked.group(1)
    if raw in rows:
        return raw
    by_name = [code for code, nom in rows.items() if nom.casefold() == raw.casefold()]
    if len(by_name) == 1:
        return by_name[0]
    raise InvalidParameter(
        f"Dépôt inconnu : « {raw} » n'est pas une commune du département. Choisissez une "
        "commune dans la liste.",
        parametre="depot",
    )


def _strict_request(conn, source, departement: str):
    """The form's values and their PlanRequest (a bad field: its French 400)."""
    values = _form_values(source, departement)
    depot = _depot_code(conn, values["departement"], values["depot"])
    return values, parse_request({**values, "depot": depot}, settings())


def _request(conn, values: dict):
    """(PlanRequest, errors by field): a bad field is reported and left at its default."""
    errors: dict[str, str] = {}
    values = dict(values)
    try:
        values["depot"] = _depot_code(conn, values["departement"], values.get("depot", ""))
    except InvalidParameter as error:
        errors["depot"], values["depot"] = error.message, None
    for _ in range(len(PLAN_FIELDS) + 1):
        try:
            return parse_request(values, settings()), errors
        except InvalidParameter as error:
            field = error.parametre or "departement"
            if field == "departement" or field not in values:
                raise
            errors[field], values[field] = error.message, None
    raise InvalidParameter("Paramètres invalides.")


def _scenario(conn, query: str) -> dict:
    """A saved parameter set and what its plan achieves (for the comparison table)."""
    values = dict(parse_qsl(query))
    values.setdefault("k", "5")
    values["depot"] = _depot_code(conn, values.get("departement", ""), values.get("depot", ""))
    req = parse_request(values, settings())
    plan = access_plan.stops(conn, req)
    return {
        "query": query,
        "k": req.k,
        "mode": MODE_LABELS[req.mode.name],
        "besoin": NEED_LABELS[req.besoin],
        "service": ", ".join(SERVICES[s] for s in req.services) or "tous",
        "type_offre": TYPE_LABELS.get(req.type_offre or "", "tous"),
        "arrets": ", ".join(a["nom"] for a in plan["arrets"]),
        "besoin_atteint": plan["besoin_atteint"],
        "communes_relevees": plan["communes_relevees"],
        "besoin_sorti_zone_blanche": plan["besoin_sorti_zone_blanche"],
        "heures_ajoutees": plan["heures_ajoutees"],
    }


def _map_query(req) -> str:
    """The map's parameters as the page understood them (a bad field left at its default)."""
    return _query(
        {
            "departement": req.departement,
            "mode": req.mode.name,
            "besoin": req.besoin,
            "type_offre": req.type_offre,
            "services": ",".join(req.services),
            "programme": req.programme,
            "seuil_min": f"{req.seuil_min:g}",
        }
    )


def scenario_name(req, today: date | None = None) -> str:
    """Files are named after their scenario: département, mode, need, K, date."""
    day = (today or date.today()).isoformat()
    return f"{req.departement}-{req.mode.name}-{req.besoin}-k{req.k}-{day}"


@web_bp.get("/planification")
def planner_index():
    departements = territories.departements_with_polygons(connection())
    return render_template("planification.html", departements=departements, report=None)


@web_bp.get("/planification/<departement>")
def planner_page(departement: str):
    conn = connection()
    territories.check_departement(conn, departement)
    values = _form_values(request.args, departement)
    req, errors = _request(conn, values)
    try:
        comp = accessibility.compute(conn, req)
    except InvalidParameter as error:  # no need indicators imported: say so, count people
        errors[error.parametre or "besoin"] = error.message
        req = replace(req, besoin="population")
        comp = accessibility.compute(conn, req)
    report = access_report.report(conn, req, comp)
    names = territories.territory_names(conn, req.departement)
    ranking = access_plan.rank(conn, req, "epci", names["epci"], comp=comp)
    plan = access_plan.stops(conn, req, comp) if values["k"] else None
    query = _query(values)
    saved = [s for s in request.args.getlist("scenario") if s][:MAX_SCENARIOS]
    scenarios, scenario_errors = [], []
    for s in saved:
        try:
            scenarios.append(_scenario(conn, s))
        except InvalidParameter as error:
            scenario_errors.append(error.message)
    keep = urlencode([("scenario", s) for s in saved])
    return render_template(
        "planification.html",
        report=report,
        ranking=ranking,
        plan=plan,
        errors=errors,
        values=values,
        query=query,
        keep=keep,
        save_query=urlencode([("scenario", s) for s in [*saved, query]][-MAX_SCENARIOS:]),
        scenarios=scenarios,
        scenario_errors=scenario_errors,
        epcis=sorted(names["epci"].items(), key=lambda item: item[1]),
        communes=sorted((r["nom"], r["code"]) for r in report["communes"]),
        services_choices=SERVICES,
        programmes=PROGRAMMES,
        modes=MODE_LABELS,
        needs=NEED_LABELS,
        types=TYPE_LABELS,
        class_labels=accessibility.CLASS_LABELS,
        bins=carte.bins(report["parametres"]),
        white=carte.WHITE_COLOUR,
        may_publish=can_plan(current_user(), req.departement),
        login_url=url_for("auth.login", suivant=request.full_path.rstrip("?")),
        plans=publication.list_plans(conn, req.departement),
        published=request.args.get("plan_publie"),
        file_name=scenario_name(req),
        map_config={
            "geojson": url_for("api.accessibilite_geojson") + "?" + _map_query(req),
            "tiles": settings()["MAPDIR_TILE_URL"],
            "attribution": settings()["MAPDIR_TILE_ATTRIBUTION"],
            "bins": [
                [low, high, colour]
                for low, high, _label, colour in carte.bins(report["parametres"])
            ],
            "blanche": carte.WHITE_COLOUR,
        },  # fmt: skip
    )


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@web_bp.get("/planification/<departement>/export.<fmt>")
def planner_export(departement: str, fmt: str):
    if fmt not in exports.FORMATS:
        raise InvalidParameter(f"Format inconnu : {fmt} (attendu : csv, geojson ou gpkg).")
    conn = connection()
    _, req = _strict_request(conn, request.args, departement)
    what = request.args.get("quoi", "accessibilite")
    if what == "arrets":
        frame, layer = exports.stops_frame(access_plan.stops(conn, req)), "arrets"
    elif what in ("couverture", "accessibilite"):  # couverture: nearest offer (distance)
        frame, layer = services.commune_layer(conn, req, what), what
    else:
        raise InvalidParameter(
            "« quoi » doit valoir accessibilite, couverture ou arrets.", parametre="quoi"
        )
    return _download(
        exports.to_bytes(frame, fmt, layer),
        exports.FORMATS[fmt],
        f"{layer}-{scenario_name(req)}.{fmt}",
    )


@web_bp.get("/planification/<departement>/carte.html")
def planner_map(departement: str):
    conn = connection()
    values, req = _strict_request(conn, request.args, departement)
    report = access_report.report(conn, req)
    plan = access_plan.stops(conn, req) if values["k"] else None
    html = carte.standalone_map(report, plan, territories.commune_polygons(conn, req.departement))
    return _download(
        html.encode("utf-8"), "text/html; charset=utf-8", f"carte-{scenario_name(req)}.html"
    )


@web_bp.post("/planification/<departement>/publier")
def planner_publish(departement: str):
    require_planner(current_user(), departement.upper())
    conn = connection()
    values, req = _strict_request(conn, request.form, departement)
    plan = access_plan.stops(conn, req)
    with engine().begin() as tx:
        plan_id = publication.publish_plan(tx, plan, request.form.get("nom") or None)
    return redirect(
        url_for("web.planner_page", departement=departement)
        + "?"
        + _query({**values, "plan_publie": plan_id}),
        303,
    )


@web_bp.post("/planification/plans/<int:plan_id>/<action>")
def planner_plan_action(plan_id: int, action: str):
    departement = publication.plan_departement(connection(), plan_id)
    require_planner(current_user(), departement)
    actions = {"confirmer": publication.confirm_plan, "retirer": publication.withdraw_plan}
    if action not in actions:
        raise InvalidParameter("Action inconnue : confirmer ou retirer.")
    with engine().begin() as conn:
        actions[action](conn, plan_id)
    # back to the same computed plan: its parameters come with the form
    values = _form_values(request.form, departement)
    return redirect(
        url_for("web.planner_page", departement=departement) + "?" + _query(values) + "#plans",
        303,
    )
