"""/api/v1/export/data-inclusion/structures and …/services: pages of the directory in
data·inclusion schema v1, filtered like /api/v1/offres.geojson (plus ``departement``) and
paged like data·inclusion's own API (``page``, ``size``; answer ``items, total, page, size,
pages``)."""

from __future__ import annotations

from flask import jsonify, request

from mapdir.api import api_bp
from mapdir.geo.importer import normalize_departement
from mapdir.http.context import connection, settings
from mapdir.offers.data_inclusion.queries import Scope, services_page, structures_page
from mapdir.offers.filters import Filters
from mapdir.offers.parameters import (
    PROGRAMMES,
    SERVICES,
    _int,
    _mapped,
    _reject_unknown,
    _vocabulary,
    parse_bbox,
)

EXPORT_PARAMS = {"departement", "bbox", "services", "programme", "page", "size"}
MAX_PAGE_SIZE = 1000


def _scope() -> Scope:
    args = request.args
    _reject_unknown(args, EXPORT_PARAMS)
    departement = (args.get("departement") or "").strip()
    return Scope(
        departement=normalize_departement(departement) if departement else None,
        bbox=parse_bbox(args.get("bbox")) if (args.get("bbox") or "").strip() else None,
        filters=Filters(
            services=_mapped(args, "services", {s: s for s in SERVICES}),
            programmes=_mapped(args, "programme", _vocabulary(PROGRAMMES)),
        ),
    )


def _page(fetch):
    scope = _scope()
    page = _int(request.args, "page", 1, 1, 1_000_000)
    size = _int(request.args, "size", 500, 1, MAX_PAGE_SIZE)
    base_url = settings()["MAPDIR_PUBLIC_URL"] or request.url_root
    return jsonify(fetch(connection(), scope, page, size, base_url).as_dict())


@api_bp.get("/export/data-inclusion/structures")
def export_di_structures():
    return _page(structures_page)


@api_bp.get("/export/data-inclusion/services")
def export_di_services():
    return _page(services_page)
