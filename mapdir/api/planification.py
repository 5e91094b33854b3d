"""/api/v1/couverture, /classement, /planification and plans: the planners' JSON API."""

from __future__ import annotations

from flask import Response, jsonify, request

from mapdir.api.endpoints import endpoint
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


@endpoint(
    "get", "/couverture", "Accès de chaque commune à l'offre la plus proche", errors=(400, 404)
)
def couverture():
    report = services.coverage(connection(), plan_request())
    body = {k: v for k, v in report.items() if k != "communes"}
    body["communes"] = services.public_rows(report)
    return jsonify(body)


@endpoint(
    "get",
    "/couverture.geojson",
    "Accès par commune, avec les contours (GeoJSON)",
    media="application/geo+json",
    errors=(400, 404),
)
def couverture_geojson():
    req = plan_request()
    report = services.coverage(connection(), req)
    polygons = territories.commune_polygons(connection(), req.departement)
    frame = exports.access_frame(services.public_rows(report), polygons)
    return Response(exports.to_bytes(frame, "geojson"), mimetype=exports.FORMATS["geojson"])


@endpoint("get", "/accessibilite", "Accessibilité de chaque commune (E2SFCA)", errors=(400, 404))
def accessibilite():
    return jsonify(access_report.report(connection(), plan_request()))


@endpoint(
    "get",
    "/accessibilite.geojson",
    "Accessibilité par commune, avec les contours (GeoJSON)",
    media="application/geo+json",
    errors=(400, 404),
)
def accessibilite_geojson():
    req = plan_request()
    report = access_report.report(connection(), req)
    polygons = territories.commune_polygons(connection(), req.departement)
    frame = exports.accessibility_frame(report["communes"], polygons)
    return Response(exports.to_bytes(frame, "geojson"), mimetype=exports.FORMATS["geojson"])


@endpoint(
    "get",
    "/classement",
    "Classement des EPCI ou cantons pour un territoire pilote",
    errors=(400, 404),
)
def classement():
    niveau = request.args.get("niveau", "epci")
    req = plan_request()
    territories = services.rank(connection(), req, niveau)
    return jsonify({"niveau": niveau, "mesure": req.mesure, "territoires": territories})


@endpoint(
    "post", "/planification", "Arrêts d'une mission itinérante, courbe, tournée", errors=(400, 404)
)
def planification():
    return jsonify(services.stops(connection(), plan_request(json_body())))


@endpoint("post", "/planification/publier", "Publier un plan", status=201, errors=(400, 403, 404))
def publier():
    data = json_body()
    req = plan_request(data)
    require_planner(current_user(), req.departement)
    plan = services.stops(connection(), req)
    with engine().begin() as conn:
        plan_id = publication.publish_plan(conn, plan, data.get("nom"))
    return jsonify({"plan_id": plan_id, "statut": "publie", "plan": plan}), 201


@endpoint("get", "/plans", "Plans publiés d'un département", errors=(400, 404))
def plans():
    req = plan_request()
    territories.check_departement(connection(), req.departement)
    return jsonify({"plans": publication.list_plans(connection(), req.departement)})


@endpoint("post", "/plans/<int:plan_id>/confirmer", "Confirmer un plan", errors=(403, 404, 409))
def confirmer(plan_id: int):
    require_planner(current_user(), publication.plan_departement(connection(), plan_id))
    with engine().begin() as conn:
        publication.confirm_plan(conn, plan_id)
    return jsonify({"plan_id": plan_id, "statut": "confirme"})


@endpoint("post", "/plans/<int:plan_id>/retirer", "Retirer un plan", errors=(403, 404))
def retirer(plan_id: int):
    require_planner(current_user(), publication.plan_departement(connection(), plan_id))
    with engine().begin() as conn:
        publication.withdraw_plan(conn, plan_id)
    return jsonify({"plan_id": plan_id, "statut": "retire"})
