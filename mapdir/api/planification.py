"""/api/v1/couverture, /classement, /planification and plans: the planners' JSON API."""

from __future__ import annotations

from flask import Response, jsonify, request

from mapdir.api import api_bp
from mapdir.editing.permissions import require_planner
from mapdir.errors import InvalidParameter
from mapdir.http.context import connection, current_user, engine, settings
from mapdir.planner import access_report, exports, publication, services, territories


def query_values() -> dict:
    """Query-string values, `services` joined whether repeated or comma-separated."""
    values = {k: v for k, v in request.args.items() if k != "services"}
    values["services"] = ",".join(request.args.getlist("services"))
    return values


def plan_request(data: dict | None = None) -> services.PlanRequest:
    """A validated PlanRequest from `data` (default: the query string)."""
    return services.parse_request(query_values() if data is None else data, settings())


def json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidParameter("Envoyez un objet JSON (Content-Type: application/json).")
    return data


@api_bp.get("/couverture")
def couverture():
    report = services.coverage(connection(), plan_request())
    body = {k: v for k, v in report.items() if k != "communes"}
    body["communes"] = services.public_rows(report)
    return jsonify(body)


@api_bp.get("/couverture.geojson")
def couverture_geojson():
    req = plan_request()
    report = services.coverage(connection(), req)
    polygons = territories.commune_polygons(connection(), req.departement)
    frame = exports.access_frame(services.public_rows(report), polygons)
    return Response(exports.to_bytes(frame, "geojson"), mimetype=exports.FORMATS["geojson"])


@api_bp.get("/accessibilite")
def accessibilite():
    return jsonify(access_report.report(connection(), plan_request()))


@api_bp.get("/accessibilite.geojson")
def accessibilite_geojson():
    req = plan_request()
    report = access_report.report(connection(), req)
    polygons = territories.commune_polygons(connection(), req.departement)
    frame = exports.accessibility_frame(report["communes"], polygons)
    return Response(exports.to_bytes(frame, "geojson"), mimetype=exports.FORMATS["geojson"])


@api_bp.get("/classement")
def classement():
    niveau = request.args.get("niveau", "epci")
    req = plan_request()
    territories = services.rank(connection(), req, niveau)
    return jsonify({"niveau": niveau, "mesure": req.mesure, "territoires": territories})


@api_bp.post("/planification")
def planification():
    return jsonify(services.stops(connection(), plan_request(json_body())))


@api_bp.post("/planification/publier")
def publier():
    data = json_body()
    req = plan_request(data)
    require_planner(current_user(), req.departement)
    plan = services.stops(connection(), req)
    with engine().begin() as conn:
        plan_id = publication.publish_plan(conn, plan, data.get("nom"))
    return jsonify({"plan_id": plan_id, "statut": "publie", "plan": plan}), 201


@api_bp.get("/plans")
def plans():
    req = plan_request()
    territories.check_departement(connection(), req.departement)
    return jsonify({"plans": publication.list_plans(connection(), req.departement)})


@api_bp.post("/plans/<int:plan_id>/confirmer")
def confirmer(plan_id: int):
    require_planner(current_user(), publication.plan_departement(connection(), plan_id))
    with engine().begin() as conn:
        publication.confirm_plan(conn, plan_id)
    return jsonify({"plan_id": plan_id, "statut": "confirme"})


@api_bp.post("/plans/<int:plan_id>/retirer")
def retirer(plan_id: int):
    require_planner(current_user(), publication.plan_departement(connection(), plan_id))
    with engine().begin() as conn:
        publication.withdraw_plan(conn, plan_id)
    return jsonify({"plan_id": plan_id, "statut": "retire"})
