"""The OpenAPI 3.1 document generated from the operations' declarations (their Params models
for the query, path and body, and pydantic models of their answers): nothing written twice.

pydantic writes JSON Schema 2020-12, which is OpenAPI 3.1's schema dialect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from mapdir.params.model import Params

REF = "#/components/schemas/{model}"
ERROR_DESCRIPTIONS = {
    400: "Paramètre invalide",
    403: "Accès refusé",
    404: "Introuvable",
    409: "Conflit avec l'état actuel",
}


class ErreurCorps(BaseModel):
    """Every error answer: a French message and, when one is at fault, the parameter."""

    erreur: str
    parametre: str | None = None
    detail: Any = None


class DocumentOpenAPI(BaseModel):
    """This document (OpenAPI 3.1: https://spec.openapis.org/oas/v3.1.0)."""

    openapi: str
    info: dict[str, Any]
    servers: list[dict[str, Any]]
    paths: dict[str, dict[str, Any]]
    components: dict[str, Any]


@dataclass(frozen=True)
class Operation:
    """One route of the API as the document describes it."""

    method: str
    path: str
    summary: str
    description: str | None = None
    query: type[Params] | None = None
    body: type[Params] | None = None
    path_params: type[Params] | None = None
    #: path variables without a Params field: name → JSON type (from the route's converter)
    path_types: dict[str, str] = field(default_factory=dict)
    answer: type[BaseModel] | None = None
    status: int = 200
    media: str = "application/json"
    errors: tuple[int, ...] = (400,)


def parameters(model: type[Params], where: str) -> list[dict[str, Any]]:
    """OpenAPI parameter objects for the fields of ``model`` (``where``: query or path)."""
    properties = model.model_json_schema(ref_template=REF)["properties"]
    out = []
    for name, info in model.model_fields.items():
        schema = {
            k: v
            for k, v in properties[name].items()
            if k not in ("title", "description") and not (k == "default" and v is None)
        }
        param = {
            "name": name,
            "in": where,
            "required": where == "path" or info.is_required(),
            "description": info.description or "",
            "schema": schema,
        }
        if model.is_list(name):
            param.update(style="form", explode=False)
        out.append(param)
    return out


def _operation(op: Operation, refs: dict) -> dict[str, Any]:
    params = parameters(op.path_params, "path") if op.path_params else []
    params += [
        {"name": n, "in": "path", "required": True, "schema": {"type": t}}
        for n, t in op.path_types.items()
    ]
    if op.query:
        params += parameters(op.query, "query")
    answer = refs[op.answer] if op.answer else {"type": "object"}
    responses = {
        str(op.status): {"description": op.summary, "content": {op.media: {"schema": answer}}}
    }
    for status in op.errors:
        responses[str(status)] = {
            "description": ERROR_DESCRIPTIONS[status],
            "content": {"application/json": {"schema": {"$ref": REF.format(model="ErreurCorps")}}},
        }
    out: dict[str, Any] = {"summary": op.summary, "operationId": op.path + ":" + op.method}
    if op.description:
        out["description"] = op.description
    if params:
        out["parameters"] = params
    if op.body:
        out["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[op.body]}},
        }
    out["responses"] = responses
    return out


def document(operations: list[Operation], info: dict[str, Any], server: str) -> dict[str, Any]:
    """The whole document: paths in declaration order, every body and answer model (and the
    models they use) under components/schemas."""
    models = {ErreurCorps}
    for op in operations:
        models.update(m for m in (op.body, op.answer) if m is not None)
    ordered = sorted(models, key=lambda m: m.__name__)
    keys = [(m, "validation" if issubclass(m, Params) else "serialization") for m in ordered]
    key_refs, defs = models_json_schema(keys, ref_template=REF)
    for schema in defs.get("$defs", {}).values():  # "absent" is not a null value to send
        for prop in schema.get("properties", {}).values():
            if "default" in prop and prop["default"] is None:
                del prop["default"]
    refs = {model: key_refs[(model, mode)] for model, mode in keys}
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(op.path, {})[op.method] = _operation(op, refs)
    return {
        "openapi": "3.1.0",
        "info": info,
        "servers": [{"url": server}],
        "paths": paths,
        "components": {"schemas": defs.get("$defs", {})},
    }
