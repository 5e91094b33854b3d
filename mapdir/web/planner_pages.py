"""The planners' pages: coverage map and gaps, EPCI ranking, proposed stops and rota, downloads,
publish / confirm / withdraw forms. Thin views over mapdir.planner.services; no SQL here.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Response, redirect, render_template, request, url_for

from mapdir.editing.permissions import require_planner
from mapdir.errors import InvalidParameter
from mapdir.http.context import connection, current_user, engine, settings
from mapdir.offers.vocab import PROGRAMMES, SERVICES
from mapdir.planner import exports, publication, services, territories
from mapdir.web import web_bp

PLAN_FIELDS = ("k", "seuil_min", "services", "programme", "territoire", "depot")
PLAN_FIELDS += ("cycle_semaines", "solveur")
CLASS_LABELS = {
    "couverte": "Couverte",
    "peu_couverte": "Peu couverte",
    "zone_blanche": "Zone blanche",
}


def _form_values(source, departement: str) -> dict:
    values = {k: source.get(k, "") for k in PLAN_FIELDS if k != "services"}
    values["services"] = ",".join(v for v in source.getlist("services") if v)
    values["departement"] = departement
    return values


def _query(values: dict) -> str:
    return urlencode({k: v for k, v in values.items() if v not in ("", None)})


@web_bp.get("/planification")
def planner_index():
    departements = territories.departements_with_polygons(connection())
    return render_template("planification.html", departements=departements, report=None)


@web_bp.get("/planification/<departement>")
def planner_page(departement: str):
    values = _form_values(request.args, departement)
    base_req = services.parse_request({**values, "k": "5"}, settings())
    report = services.coverage(connection(), base_req)
    ranking = services.rank(connection(), base_req)
    plan, plan_error = None, None
    if request.args.get("k"):
        try:
            plan = services.stops(connection(), services.parse_request(values, settings()), report)
        except InvalidParameter as error:
            plan_error = error.message
    names = territories.territory_names(connection(), base_req.departement)
    query = _query(values)
    return render_template(
        "planification.html",
        report=report,
        rows=services.public_rows(report),
        ranking=ranking,
        plan=plan,
        plan_error=plan_error,
        values=values,
        query=query,
        epcis=sorted(names["epci"].items(), key=lambda item: item[1]),
        services_choices=SERVICES,
        programmes=PROGRAMMES,
        class_labels=CLASS_LABELS,
        plans=publication.list_plans(connection(), base_req.departement),
        published=request.args.get("plan_publie"),
        map_config={
            "geojson": url_for("api.couverture_geojson") + "?" + query,
            "tiles": settings()["MAPDIR_TILE_URL"],
            "attribution": settings()["MAPDIR_TILE_ATTRIBUTION"],
            "seuil_km": base_req.seuil_min * base_req.speed_kmh / 60 / base_req.detour_factor,
        },
    )


@web_bp.get("/planification/<departement>/export.<fmt>")
def planner_export(departement: str, fmt: str):
    if fmt not in exports.FORMATS:
        raise InvalidParameter(f"Format inconnu : {fmt} (attendu : csv, geojson ou gpkg).")
    values = _form_values(request.args, departement)
    what = request.args.get("quoi", "couverture")
    if what == "arrets":
        plan = services.stops(connection(), services.parse_request(values, settings()))
        frame, layer = exports.stops_frame(plan), "arrets"
    elif what == "couverture":
        req = services.parse_request({**values, "k": "5"}, settings())
        report = services.coverage(connection(), req)
        polygons = territories.commune_polygons(connection(), req.departement)
        frame, layer = exports.access_frame(services.public_rows(report), polygons), "couverture"
    else:
        raise InvalidParameter("« quoi » doit valoir couverture ou arrets.", parametre="quoi")
    filename = f"{layer}-{departement}.{fmt}"
    return Response(
        exports.to_bytes(frame, fmt, layer),
        mimetype=exports.FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@web_bp.post("/planification/<departement>/publier")
def planner_publish(departement: str):
    require_planner(current_user(), departement.upper())
    values = _form_values(request.form, departement)
    plan = services.stops(connection(), services.parse_request(values, settings()))
    with engine().begin() as conn:
        plan_id = publication.publish_plan(conn, plan, request.form.get("nom") or None)
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
    return redirect(url_for("web.planner_page", departement=departement) + "#plans", 303)
