"""/api/v1/recherche, /api/v1/offres/<id>, /api/v1/offres.geojson: parameters validated by
mapdir.offers.parameters, answers from the search service."""

from __future__ import annotations

from flask import jsonify, request

from mapdir.api import api_bp
from mapdir.errors import InvalidParameter
from mapdir.http.context import connection, search_connection, settings
from mapdir.offers.detail import offer_detail, offers_geojson
from mapdir.offers.parameters import parse_geojson_request, parse_search_request
from mapdir.offers.search import search_offers


@api_bp.get("/recherche")
def recherche():
    config = settings()
    return jsonify(
        search_offers(
            search_connection(),
            parse_search_request(request.args),
            detour_factor=config.float("MAPDIR_DETOUR_FACTOR"),
            speed_kmh=config.float("MAPDIR_SPEED_KMH"),
        )
    )


@api_bp.get("/offres/<offre_id>")
def offre(offre_id: str):
    if not (offre_id.isascii() and offre_id.isdigit()) or len(offre_id) > 18:  # not "²"
        raise InvalidParameter(
            f"Identifiant d'offre invalide : « {offre_id} » (un nombre entier).", parametre="id"
        )
    return jsonify(offer_detail(connection(), int(offre_id)))


@api_bp.get("/offres.geojson")
def offres_geojson():
    bbox, filters, limit = parse_geojson_request(request.args)
    body = offers_geojson(connection(), bbox, filters, limit)
    response = jsonify(body)
    response.mimetype = "application/geo+json"
    return response
