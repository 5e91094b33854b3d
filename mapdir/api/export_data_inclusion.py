"""/api/v1/export/data-inclusion/structures and …/services: pages of the directory in
data·inclusion schema v1, filtered like /api/v1/offres.geojson (plus ``departement``) and
paged like data·inclusion's own API (``page``, ``size``; answer ``items, total, page, size,
pages``); parameters declared in mapdir.offers.parameters.ExportParams."""

from __future__ import annotations

from flask import jsonify, request

from mapdir.api.endpoints import endpoint
from mapdir.http.context import connection, settings
from mapdir.offers.data_inclusion.queries import Scope, services_page, structures_page
from mapdir.offers.parameters import ExportParams
from mapdir.offers.schemas import PageDataInclusion


def _page(fetch, params: ExportParams):
    scope = Scope(departement=params.departement, bbox=params.bbox, filters=params.filters())
    base_url = settings()["MAPDIR_PUBLIC_URL"] or request.url_root
    page = fetch(connection(), scope, params.page, params.size, base_url)
    return jsonify(page.as_dict())


@endpoint(
    "get",
    "/export/data-inclusion/structures",
    "Structures (une par offre active), au schéma data·inclusion v1",
    query=ExportParams,
    answer=PageDataInclusion,
)
def export_di_structures(params: ExportParams):
    return _page(structures_page, params)


@endpoint(
    "get",
    "/export/data-inclusion/services",
    "Services (un par offre active, plus un par permanence active), au schéma data·inclusion v1",
    query=ExportParams,
    answer=PageDataInclusion,
)
def export_di_services(params: ExportParams):
    return _page(services_page, params)
