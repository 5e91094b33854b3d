"""The API's routes declared with their parameters and answer: one decorator registers the
Flask route, validates the request into the view's arguments (mapdir.params models: French
400s) and records the operation for the generated document served at /api/v1/openapi.json."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from flask import jsonify, request
from pydantic import BaseModel

from mapdir.api import api_bp
from mapdir.http.context import settings
from mapdir.params import Params
from mapdir.params.openapi import DocumentOpenAPI, Operation, document

OPERATIONS: list[Operation] = []
INFO = {
    "title": "mapdir — annuaire de la médiation numérique",
    "version": "1",
    "description": "Recherche des lieux d'inclusion numérique les plus proches "
    "(prescripteurs), fiches d'offres et export GeoJSON ; couverture du territoire et "
    "planification d'itinérances. Erreurs : JSON {erreur, parametre} en français.",
}
_VARIABLE = re.compile(r"<(?:(\w+):)?(\w+)>")


def endpoint(
    method: str,
    rule: str,
    summary: str,
    *,
    query: type[Params] | None = None,
    body: type[Params] | None = None,
    path: type[Params] | None = None,
    answer: type[BaseModel] | None = None,
    status: int = 200,
    media: str = "application/json",
    errors: tuple[int, ...] = (400,),
    description: str | None = None,
) -> Callable:
    """Declare an API route. The view receives ``params`` (query), ``body`` (JSON body) and
    ``path`` (path variables) already validated; path variables without a ``path`` model
    come as Flask gives them."""

    def decorate(view: Callable) -> Callable:
        declared = path.model_fields if path else {}
        types = {
            name: "integer" if converter == "int" else "string"
            for converter, name in _VARIABLE.findall(rule)
            if name not in declared
        }
        OPERATIONS.append(
            Operation(
                method=method,
                path=_VARIABLE.sub(r"{\2}", rule),
                summary=summary,
                description=description,
                query=query,
                body=body,
                path_params=path,
                path_types=types,
                answer=answer,
                status=status,
                media=media,
                errors=errors,
            )
        )

        @functools.wraps(view)
        def route(**variables: Any):
            kwargs = {k: v for k, v in variables.items() if k not in declared}
            if path:
                kwargs["path"] = path.parse({k: variables[k] for k in declared})
            if query:
                kwargs["params"] = query.from_query(request.args, settings=settings())
            if body:
                data = request.get_json(silent=True)
                kwargs["body"] = body.parse(data, settings=settings())
            return view(**kwargs)

        api_bp.add_url_rule(rule, view_func=route, methods=[method.upper()])
        return route

    return decorate


@functools.cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of every declared route (built once per process)."""
    return document(OPERATIONS, INFO, api_bp.url_prefix)


@endpoint("get", "/openapi.json", "Ce document (OpenAPI 3.1)", answer=DocumentOpenAPI, errors=())
def openapi_json():
    return jsonify(openapi_document())
