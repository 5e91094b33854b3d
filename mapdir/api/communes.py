"""/api/v1/communes: postcode → communes, name search, one commune."""

from __future__ import annotations

from flask import jsonify

from mapdir.api.endpoints import endpoint
from mapdir.geo.parameters import Commune, Communes, CommunesParams
from mapdir.geo.services import commune_detail, communes_by_postcode, search_communes
from mapdir.http.context import connection


@endpoint(
    "get",
    "/communes",
    "Communes d'un code postal, ou recherche par nom",
    query=CommunesParams,
    answer=Communes,
    errors=(400, 404),
)
def communes(params: CommunesParams):
    if params.code_postal is not None:
        results = communes_by_postcode(connection(), params.code_postal)
    else:
        results = search_communes(connection(), params.q, params.limite)
    return jsonify({"communes": results, "nombre": len(results)})


@endpoint(
    "get",
    "/communes/<code>",
    "Une commune (EPCI, canton, codes postaux)",
    answer=Commune,
    errors=(400, 404),
)
def commune(code: str):
    return jsonify(commune_detail(connection(), code))
