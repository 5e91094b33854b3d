"""OpenAPI paths of the data·inclusion v1 export (structures, services)."""

from __future__ import annotations

from typing import Any

ERROR = {"$ref": "#/components/responses/Erreur"}
SCHEMA_NOTE = (
    "Enregistrements au schéma data·inclusion v1 (structure.json / service.json du "
    "schéma v1.0.8) ; un champ inconnu de l'annuaire vaut null."
)


def _q(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": schema}


PARAMETERS = [
    _q("departement", "Code du département des offres (par leur commune), ex. 87.",
       {"type": "string"}),
    _q("bbox", "minlon,minlat,maxlon,maxlat (au plus 10° × 10°).", {"type": "string"}),
    _q("services", "Services (slugs, séparés par des virgules) : une offre en a au moins un.",
       {"type": "string"}),
    _q("programme", "Dispositifs / programmes nationaux (slugs, séparés par des virgules).",
       {"type": "string"}),
    _q("page", "Numéro de page (à partir de 1).",
       {"type": "integer", "minimum": 1, "default": 1}),
    _q("size", "Nombre d'enregistrements par page (1–1000).",
       {"type": "integer", "minimum": 1, "maximum": 1000, "default": 500}),
]  # fmt: skip

PAGE = {
    "type": "object",
    "properties": {
        "items": {"type": "array", "items": {"type": "object"}},
        "total": {"type": "integer"},
        "page": {"type": "integer"},
        "size": {"type": "integer"},
        "pages": {"type": "integer"},
    },
}


def export_paths() -> dict[str, Any]:
    paths = {}
    for table, summary in (
        ("structures", "Structures (une par offre active)"),
        ("services", "Services (un par offre active, plus un par permanence active)"),
    ):
        paths[f"/export/data-inclusion/{table}"] = {
            "get": {
                "summary": f"{summary}, au schéma data·inclusion v1",
                "description": SCHEMA_NOTE,
                "parameters": PARAMETERS,
                "responses": {
                    "200": {
                        "description": "Une page d'enregistrements",
                        "content": {"application/json": {"schema": PAGE}},
                    },
                    "400": ERROR,
                },
            }
        }
    return paths
