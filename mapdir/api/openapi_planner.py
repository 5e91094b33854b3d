"""OpenAPI paths of the planners' API (couverture, classement, planification, plans)."""

from __future__ import annotations

from typing import Any

ERROR = {"$ref": "#/components/responses/Erreur"}
NOT_FOUND = {"$ref": "#/components/responses/Introuvable"}
OBJECT = {"type": "object"}


def _q(name: str, description: str, schema: dict[str, Any], required: bool = False) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    }


def _json(description: str, schema: dict[str, Any] | None = None) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema or OBJECT}},
    }


COMMON = [
    _q("departement", "Code du département (ex. 87) dont les contours sont importés.",
       {"type": "string"}, required=True),
    _q("seuil_min", "Temps d'accès (minutes) sous lequel une commune est couverte.",
       {"type": "number", "default": 20, "minimum": 1, "maximum": 180}),
    _q("zone_blanche_min", "Temps d'accès (minutes) au-delà duquel : zone blanche.",
       {"type": "number", "default": 30}),
    _q("services", "Services (slugs, séparés par des virgules) : une offre en a au moins un.",
       {"type": "string"}),
    _q("programme", "Programme national exact (ex. France Services).", {"type": "string"}),
]  # fmt: skip

ACCESS = [
    _q("mode", "Déplacement des personnes : voiture ou sans_voiture (à pied).",
       {"type": "string", "enum": ["voiture", "sans_voiture"], "default": "voiture"}),
    _q("besoin", "Pondération du besoin : population, seniors (65 ans et plus), peu_diplomes,"
       " fragilite (moyenne des deux parts).",
       {"type": "string", "enum": ["population", "seniors", "peu_diplomes", "fragilite"]}),
    _q("type_offre", "Type d'offre compté : assistance, formation ou acces_libre.",
       {"type": "string", "enum": ["assistance", "formation", "acces_libre"]}),
    _q("mesure", "accessibilite (défaut, E2SFCA) ou distance (lieu le plus proche).",
       {"type": "string", "enum": ["accessibilite", "distance"]}),
]  # fmt: skip

PLAN_BODY = {
    "type": "object",
    "required": ["departement"],
    "properties": {
        "departement": {"type": "string", "example": "87"},
        "k": {"type": "integer", "minimum": 1, "description": "Nombre d'arrêts à choisir."},
        "seuil_min": {"type": "number", "default": 20},
        "services": {"type": "array", "items": {"type": "string"}},
        "programme": {"type": "string"},
        "territoire": {"type": "string", "description": "SIREN de l'EPCI candidat."},
        "depot": {"type": "string", "description": "Code INSEE de la commune dépôt."},
        "cycle_semaines": {"type": "integer", "enum": [1, 2]},
        "solveur": {"type": "string", "enum": ["exact", "cbc", "highs", "greedy"]},
        "poids": {"type": "object", "description": "Poids des composantes du classement."},
        "mode": {"type": "string", "enum": ["voiture", "sans_voiture"]},
        "besoin": {"type": "string", "enum": ["population", "seniors", "peu_diplomes",
                                               "fragilite"]},
        "type_offre": {"type": "string", "enum": ["assistance", "formation", "acces_libre"]},
        "mesure": {"type": "string", "enum": ["accessibilite", "distance"]},
        "heures_arret": {"type": "number", "default": 3,
                         "description": "Heures hebdomadaires ajoutées par chaque arrêt."},
    },
}  # fmt: skip


def planner_paths() -> dict[str, Any]:
    return {
        "/accessibilite": {
            "get": {
                "summary": "Heures d'aide hebdomadaires à portée pour 1 000 personnes (E2SFCA),"
                " par commune, classes, offres prises en compte",
                "parameters": [*COMMON, *ACCESS[:3]],
                "responses": {
                    "200": _json("Communes, offres, totaux"),
                    "400": ERROR,
                    "404": NOT_FOUND,
                },
            }
        },
        "/accessibilite.geojson": {
            "get": {
                "summary": "Accessibilité par commune, avec les contours (GeoJSON)",
                "parameters": [*COMMON, *ACCESS[:3]],
                "responses": {"200": _json("FeatureCollection"), "400": ERROR, "404": NOT_FOUND},
            }
        },
        "/couverture": {
            "get": {
                "summary": "Accès de chaque commune à l'offre la plus proche, classes et totaux",
                "parameters": COMMON,
                "responses": {"200": _json("Communes et totaux"), "400": ERROR, "404": NOT_FOUND},
            }
        },
        "/couverture.geojson": {
            "get": {
                "summary": "Accès par commune, avec les contours (GeoJSON)",
                "parameters": COMMON,
                "responses": {"200": _json("FeatureCollection"), "400": ERROR, "404": NOT_FOUND},
            }
        },
        "/classement": {
            "get": {
                "summary": "Classement des EPCI ou cantons pour un territoire pilote",
                "parameters": [
                    *COMMON,
                    *ACCESS,
                    _q("niveau", "epci ou canton.", {"type": "string", "enum": ["epci", "canton"]}),
                ],
                "responses": {"200": _json("Territoires classés"), "400": ERROR},
            }
        },
        "/planification": {
            "post": {
                "summary": "Arrêts d'une mission itinérante (MCLP), courbe, tournée (calcul)",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": PLAN_BODY}},
                },
                "responses": {
                    "200": _json("Arrêts, communes couvertes, courbe, tournée"),
                    "400": ERROR,
                },
            }
        },
        "/planification/publier": {
            "post": {
                "summary": "Publier un plan en permanences « projet » (compte requis, jeton CSRF)",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": PLAN_BODY}},
                },
                "responses": {"201": _json("Plan publié"), "400": ERROR, "403": ERROR},
            }
        },
        "/plans": {
            "get": {
                "summary": "Plans publiés d'un département",
                "parameters": COMMON[:1],
                "responses": {"200": _json("Plans"), "404": NOT_FOUND},
            }
        },
        "/plans/{plan_id}/confirmer": {
            "post": {
                "summary": "Confirmer un plan : ses permanences deviennent actives",
                "parameters": [
                    {
                        "name": "plan_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                    }
                ],
                "responses": {
                    "200": _json("Confirmé"),
                    "403": ERROR,
                    "404": NOT_FOUND,
                    "409": ERROR,
                },
            }
        },
        "/plans/{plan_id}/retirer": {
            "post": {
                "summary": "Retirer un plan (rien n'est supprimé)",
                "parameters": [
                    {
                        "name": "plan_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                    }
                ],
                "responses": {"200": _json("Retiré"), "403": ERROR, "404": NOT_FOUND},
            }
        },
    }
