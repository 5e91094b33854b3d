"""/api/v1/couverture, /accessibilite, /classement, /planification and plans: the planners'
JSON API; parameters and bodies are declared in mapdir.planner.parameters."""

from __future__ import annotations

from flask import Response, jsonify

from mapdir.api.endpoints import endpoint
from mapdir.editing.permissions import require_planner
from mapdir.http.context import connection, current_user, engine, settings
from mapdir.planner import access_report, exports, publication, services, territories
from mapdir.planner.parameters import (
    ClassementQuery,
    PlanBody,
    PlanQuery,
    PlansQuery,
    PublishBody,
)
from mapdir.planner.plan_schemas import EtatPlan, Plan, PlanPublie, Plans
from mapdir.planner.schemas import (
    Accessibilite,
    AccessibiliteGeoJSON,
    Classement,
    Couverture,
    CouvertureGeoJSON,
)

GEOJSON = "application/geo+json"


@endpoint(
    "get",
    "/couverture",
    "Accès de chaque commune à l'offre la plus proche",
    query=PlanQuery,
    answer=Couverture,
    errors=(400, 404),
    description="Mesure « distance » : temps estimé jusqu'au lieu le plus proche, classes "
    "(couverte, zone blanche…) et totaux.",
)
def couverture(params: PlanQuery):
    report = services.coverage(connection(), params.request(settings()))
    body = {k: v for k, v in report.items() if k != "communes"}
    body["communes"] = services.public_rows(report)
    return jsonify(body)


@endpoint(
    "get",
    "/couverture.geojson",
    "Accès par commune, avec les contours (GeoJSON)",
    query=PlanQuery,
    answer=CouvertureGeoJSON,
    media=GEOJSON,
    errors=(400, 404),
)
def couverture_geojson(params: PlanQuery):
    return _geojson(params, "couverture")


def _geojson(params: PlanQuery, what: str) -> Response:
    """The communes' layer ``what`` as GeoJSON features with their polygons."""
    frame = services.commune_layer(connection(), params.request(settings()), what)
    return Response(exports.to_bytes(frame, "geojson"), mimetype=exports.FORMATS["geojson"])


@endpoint(
    "get",
    "/accessibilite",
    "Accessibilité de chaque commune (E2SFCA)",
    query=PlanQuery,
    answer=Accessibilite,
    errors=(400, 404),
    description="Heures d'aide hebdomadaires à portée pour 1 000 personnes, par commune, "
    "classes, offres prises en compte et indicateurs.",
)
def accessibilite(params: PlanQuery):
    return jsonify(access_report.report(connection(), params.request(settings())))


@endpoint(
    "get",
    "/accessibilite.geojson",
    "Accessibilité par commune, avec les contours (GeoJSON)",
    query=PlanQuery,
    answer=AccessibiliteGeoJSON,
    media=GEOJSON,
    errors=(400, 404),
)
def accessibilite_geojson(params: PlanQuery):
    return _geojson(params, "accessibilite")


@endpoint(
    "get",
    "/classement",
    "Classement des EPCI ou cantons pour un territoire pilote",
    query=ClassementQuery,
    answer=Classement,
    errors=(400, 404),
)
def classement(params: ClassementQuery):
    req = params.request(settings())
    ranked = services.rank(connection(), req, params.niveau)
    return jsonify({"niveau": params.niveau, "mesure": req.mesure, "territoires": ranked})


@endpoint(
    "post",
    "/planification",
    "Arrêts d'une mission itinérante, courbe, tournée",
    body=PlanBody,
    answer=Plan,
    errors=(400, 404),
)
def planification(body: PlanBody):
    return jsonify(services.stops(connection(), body.request(settings())))


@endpoint(
    "post",
    "/planification/publier",
    "Publier un plan en permanences « projet » (compte de planificateur, jeton CSRF)",
    body=PublishBody,
    answer=PlanPublie,
    status=201,
    errors=(400, 403, 404),
)
def publier(body: PublishBody):
    req = body.request(settings())
    require_planner(current_user(), req.departement)
    plan = services.stops(connection(), req)
    with engine().begin() as conn:
        plan_id = publication.publish_plan(conn, plan, body.nom)
    return jsonify({"plan_id": plan_id, "statut": "publie", "plan": plan}), 201


@endpoint(
    "get",
    "/plans",
    "Plans publiés d'un département",
    query=PlansQuery,
    answer=Plans,
    errors=(400, 404),
)
def plans(params: PlansQuery):
    territories.check_departement(connection(), params.departement)
    return jsonify({"plans": publication.list_plans(connection(), params.departement)})


@endpoint(
    "post",
    "/plans/<int:plan_id>/confirmer",
    "Confirmer un plan : ses permanences deviennent actives",
    answer=EtatPlan,
    errors=(403, 404, 409),
)
def confirmer(plan_id: int):
    return _change_plan(plan_id, publication.confirm_plan, "confirme")


@endpoint(
    "post",
    "/plans/<int:plan_id>/retirer",
    "Retirer un plan (rien n'est supprimé)",
    answer=EtatPlan,
    errors=(403, 404),
)
def retirer(plan_id: int):
    return _change_plan(plan_id, publication.withdraw_plan, "retire")


def _change_plan(plan_id: int, change, statut: str):
    """Apply ``change`` to the plan for a planner of its département."""
    require_planner(current_user(), publication.plan_departement(connection(), plan_id))
    with engine().begin() as conn:
        change(conn, plan_id)
    return jsonify({"plan_id": plan_id, "statut": statut})
