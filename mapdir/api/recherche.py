"""/api/v1/recherche, /api/v1/offres/<id>, /api/v1/offres.geojson: thin routes over the
search service; parameters and answers are declared in mapdir.offers.parameters/schemas."""

from __future__ import annotations

from flask import jsonify

from mapdir.api.endpoints import endpoint
from mapdir.geo.travel import SANS_VOITURE, travel_mode
from mapdir.http.context import connection, search_connection, settings
from mapdir.offers.detail import offer_detail, offers_geojson
from mapdir.offers.parameters import GeoJSONParams, OfferPath, SearchParams
from mapdir.offers.schemas import OffreFiche, OffresGeoJSON, Recherche
from mapdir.offers.search import search_offers


@endpoint(
    "get",
    "/recherche",
    "Les offres les plus proches correspondant aux critères",
    query=SearchParams,
    answer=Recherche,
    errors=(400, 404),
    description="Classement par distance géodésique (KNN PostGIS puis re-classement exact), "
    "sans rayon fixe. Depuis un code postal sans commune choisie, la distance est mesurée au "
    "centre de commune le plus proche parmi les communes du code postal. Les offres de la "
    "commune d'origine passent en premier à distance égale. Les permanences itinérantes "
    "passant dans la commune (ou à moins de 5 km) ajoutent leur offre avec ses prochains "
    "passages. Les offres à distance sont à part. Paramètres inconnus refusés (400).",
)
def recherche(params: SearchParams):
    config = settings()
    return jsonify(
        search_offers(
            search_connection(),
            params.request(),
            detour_factor=config.float("MAPDIR_DETOUR_FACTOR"),
            speed_kmh=config.float("MAPDIR_SPEED_KMH"),
            walk=travel_mode(SANS_VOITURE, config),
        )
    )


@endpoint(
    "get",
    "/offres/<id>",
    "Fiche complète d'une offre, avec provenance et permanences",
    path=OfferPath,
    answer=OffreFiche,
    errors=(400, 404),
    description="Une offre fusionnée répond par l'offre qui l'a absorbée (champ « fusion »).",
)
def offre(path: OfferPath):
    return jsonify(offer_detail(connection(), path.id))


@endpoint(
    "get",
    "/offres.geojson",
    "Offres actives d'une emprise, en GeoJSON",
    query=GeoJSONParams,
    answer=OffresGeoJSON,
    media="application/geo+json",
)
def offres_geojson(params: GeoJSONParams):
    body = offers_geojson(connection(), params.bbox, params.filters(), params.limite)
    response = jsonify(body)
    response.mimetype = "application/geo+json"
    return response
