"""The OpenAPI 3 document of the JSON API v1, served at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from mapdir.api import api_bp
from mapdir.api.openapi_exports import export_paths
from mapdir.api.openapi_planner import planner_paths
from mapdir.offers.parameters import (
    MODALITES_ACCES,
    MODALITES_ACCOMPAGNEMENT,
    PRISE_EN_CHARGE,
    PROGRAMMES,
    PUBLICS,
    SERVICES,
    slugify,
)

ERROR = {"$ref": "#/components/responses/Erreur"}
NOT_FOUND = {"$ref": "#/components/responses/Introuvable"}


def _query(name: str, description: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": schema, **extra}


def _csv_of(values: list[str], description: str, name: str) -> dict[str, Any]:
    return _query(
        name,
        f"{description} Valeurs séparées par des virgules ; une offre convient si elle porte "
        f"au moins une des valeurs. Valeurs : {', '.join(values)}.",
        {"type": "string"},
    )


def _ok(description: str, schema: dict[str, Any], media: str = "application/json") -> dict:
    return {"description": description, "content": {media: {"schema": schema}}}


SEARCH_PARAMETERS = [
    _query("code_postal", "Code postal (5 chiffres) : origine = toutes ses communes.",
           {"type": "string", "pattern": r"^\d{5}$"}),
    _query("code_commune", "Code INSEE de la commune choisie (prioritaire sur code_postal).",
           {"type": "string"}),
    _query("lat", "Latitude WGS84 (avec lon ; prioritaire).",
           {"type": "number", "minimum": -90, "maximum": 90}),
    _query("lon", "Longitude WGS84 (avec lat).",
           {"type": "number", "minimum": -180, "maximum": 180}),
    _csv_of(list(SERVICES), "Services (slugs).", "services"),
    _csv_of([slugify(v) for v in PUBLICS], "Publics spécifiquement adressés.", "publics"),
    _csv_of([slugify(v) for v in PRISE_EN_CHARGE], "Prises en charge spécifiques.",
            "prise_en_charge"),
    _query("frais", "« gratuit » : seules les offres dont les frais contiennent « Gratuit ».",
           {"type": "string", "enum": ["gratuit"]}),
    _csv_of([slugify(v) for v in MODALITES_ACCOMPAGNEMENT + MODALITES_ACCES],
            "Modalités d'accompagnement ou d'accès.", "modalites"),
    _csv_of([slugify(v) for v in PROGRAMMES], "Dispositifs / programmes nationaux.",
            "programme"),
    _query("ouvert", "Moment d'ouverture, en heure de France (Europe/Paris) : "
           "« maintenant » ; une date-heure ISO (2026-12-02T10:00) ; un jour et un moment "
           "(mercredi-matin, demain-apres-midi, aujourd-hui, samedi, 2026-12-02-soir, "
           "2026-12-02 ; matin 8 h–12 h, après-midi 13 h–18 h, soir 18 h–22 h ; un jour de "
           "la semaine désigne le prochain qui n'est pas terminé) ; ou un intervalle ISO "
           "(2026-12-02T09:00/2026-12-02T12:00, 7 jours au plus). Ne garde que les offres "
           "ouvertes à ce moment (pour une période : ouvertes au moins 30 minutes d'affilée "
           "dedans) selon leurs horaires OSM ; une offre sans horaires exploitables est "
           "écartée (signalé dans « avertissements »). La réponse rappelle le moment retenu "
           "(« parametres.ouvert », « parametres.ouvert_libelle »).", {"type": "string"}),
    _query("limite", "Nombre de résultats (1–100).",
           {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}),
]  # fmt: skip

OFFER_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "nom": {"type": "string"},
        "adresse": {"type": "string", "nullable": True},
        "code_postal": {"type": "string", "nullable": True},
        "commune_nom": {"type": "string", "nullable": True},
        "code_insee": {"type": "string", "nullable": True},
        "point": {"$ref": "#/components/schemas/Point"},
        "horaires": {"type": "string", "nullable": True, "description": "OSM opening_hours"},
        "services": {"type": "array", "items": {"type": "string"}},
        "publics": {"type": "array", "items": {"type": "string"}},
        "frais": {"type": "array", "items": {"type": "string"}},
        "programmes": {"type": "array", "items": {"type": "string"}},
        "modalites_accompagnement": {"type": "array", "items": {"type": "string"}},
        "fraicheur": {
            "type": "object",
            "properties": {
                "date_maj": {"type": "string", "format": "date", "nullable": True},
                "confirmee_le": {"type": "string", "format": "date", "nullable": True},
                "statut": {"type": "string", "enum": ["a_jour", "a_verifier", "obsolete"]},
            },
        },
    },
}
RESULT_SCHEMA = {
    "allOf": [
        {"$ref": "#/components/schemas/Offre"},
        {
            "type": "object",
            "properties": {
                "distance_km": {"type": "number"},
                "duree_estimee_min": {
                    "type": "integer",
                    "description": "ligne droite × MAPDIR_DETOUR_FACTOR à MAPDIR_SPEED_KMH",
                },
                "distance_depuis": {"type": "string", "enum": ["lieu", "permanence"]},
                "dans_commune_origine": {"type": "boolean"},
                "prochains_passages": {
                    "type": "array",
                    "description": "Passages aux points d'arrêt dans les communes d'origine ou "
                    "à moins de 5 km : ceux de l'arrêt le plus proche d'abord (celui de "
                    "« distance_km » quand « distance_depuis » vaut « permanence »), puis ceux "
                    "des autres arrêts ; par date pour chaque arrêt.",
                    "items": {"$ref": "#/components/schemas/Passage"},
                },
            },
        },
    ]
}
PASSAGE_SCHEMA = {
    "type": "object",
    "properties": {
        "debut": {"type": "string", "format": "date-time"},
        "fin": {"type": "string", "format": "date-time"},
        "libelle": {"type": "string", "example": "mardi 8 décembre, 9 h–12 h"},
        "permanence_id": {"type": "integer"},
        "code_insee": {"type": "string"},
        "commune": {"type": "string"},
        "lieu": {"type": "string", "nullable": True},
        "distance_km": {"type": "number", "description": "de l'origine au point d'arrêt"},
    },
}


def _search_document() -> dict[str, Any]:
    """The whole OpenAPI 3.0 document (a plain dict)."""
    code_path = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "mapdir — annuaire de la médiation numérique",
            "version": "1",
            "description": "Recherche des lieux d'inclusion numérique les plus proches "
            "(prescripteurs), fiches d'offres et export GeoJSON. Erreurs : JSON "
            "{erreur, parametre} en français.",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/communes": {
                "get": {
                    "summary": "Communes d'un code postal, ou recherche par nom",
                    "parameters": [
                        _query("code_postal", "Code postal (5 chiffres).", {"type": "string"}),
                        _query(
                            "q",
                            "Début du nom de la commune (2 lettres au moins).",
                            {"type": "string"},
                        ),
                        _query(
                            "limite",
                            "Nombre de communes (1–50).",
                            {"type": "integer", "minimum": 1, "maximum": 50},
                        ),
                    ],  # fmt: skip
                    "responses": {
                        "200": _ok("Communes", {"type": "object"}),
                        "400": ERROR,
                        "404": NOT_FOUND,
                    },  # fmt: skip
                }
            },
            "/communes/{code}": {
                "get": {
                    "summary": "Une commune (EPCI, canton, codes postaux)",
                    "parameters": [code_path],
                    "responses": {
                        "200": _ok("Commune", {"type": "object"}),
                        "400": ERROR,
                        "404": NOT_FOUND,
                    },  # fmt: skip
                }
            },
            "/recherche": {
                "get": {
                    "summary": "Les offres les plus proches correspondant aux critères",
                    "description": "Classement par distance géodésique (KNN PostGIS puis "
                    "re-classement exact), sans rayon fixe. Depuis un code postal sans "
                    "commune choisie, la distance est mesurée au centre de commune le plus "
                    "proche parmi les communes du code postal. Les offres de la commune "
                    "d'origine passent en premier à distance égale. Les permanences "
                    "itinérantes passant dans la commune (ou à moins de 5 km) ajoutent leur "
                    "offre avec ses prochains passages. Les offres à distance sont à part.",
                    "parameters": SEARCH_PARAMETERS,
                    "responses": {
                        "200": _ok(
                            "Résultats",
                            {
                                "type": "object",
                                "properties": {
                                    "origine": {"type": "object"},
                                    "resultats": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Resultat"},
                                    },
                                    "a_distance": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Offre"},
                                    },
                                    "avertissements": {
                                        "type": "array",
                                        "items": {"type": "string"},
                                    },
                                },
                            },
                        ),
                        "400": ERROR,
                        "404": NOT_FOUND,
                    },
                }
            },
            "/offres/{id}": {
                "get": {
                    "summary": "Fiche complète d'une offre, avec provenance et permanences",
                    "description": "Une offre fusionnée répond par l'offre qui l'a absorbée "
                    "(champ « fusion »).",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        }
                    ],  # fmt: skip
                    "responses": {
                        "200": _ok("Offre", {"$ref": "#/components/schemas/Offre"}),
                        "400": ERROR,
                        "404": NOT_FOUND,
                    },
                }
            },
            "/offres.geojson": {
                "get": {
                    "summary": "Offres actives d'une emprise, en GeoJSON",
                    "parameters": [
                        _query(
                            "bbox",
                            "minlon,minlat,maxlon,maxlat (au plus 10° × 10°).",
                            {"type": "string"},
                            required=True,
                        ),
                        _csv_of(list(SERVICES), "Services (slugs).", "services"),
                        _csv_of([slugify(v) for v in PROGRAMMES], "Programmes.", "programme"),
                        _query(
                            "limite",
                            "Nombre d'entités (1–20000).",
                            {"type": "integer", "minimum": 1, "maximum": 20000, "default": 5000},
                        ),
                    ],  # fmt: skip
                    "responses": {
                        "200": _ok("FeatureCollection", {"type": "object"}, "application/geo+json"),
                        "400": ERROR,
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Point": {
                    "type": "object",
                    "nullable": True,
                    "properties": {
                        "type": {"type": "string", "enum": ["Point"]},
                        "coordinates": {"type": "array", "items": {"type": "number"}},
                    },
                },
                "Offre": OFFER_SCHEMA,
                "Resultat": RESULT_SCHEMA,
                "Passage": PASSAGE_SCHEMA,
                "ErreurCorps": {
                    "type": "object",
                    "properties": {
                        "erreur": {"type": "string"},
                        "parametre": {"type": "string"},
                    },
                    "required": ["erreur"],
                },
            },
            "responses": {
                "Erreur": _ok("Paramètre invalide", {"$ref": "#/components/schemas/ErreurCorps"}),
                "Introuvable": _ok("Introuvable", {"$ref": "#/components/schemas/ErreurCorps"}),
            },
        },
    }


def openapi_document() -> dict[str, Any]:
    """The whole API: search and communes, then the planners' paths."""
    document = _search_document()
    document["paths"].update(planner_paths())
    document["paths"].update(export_paths())
    return document


@api_bp.get("/openapi.json")
def openapi_json():
    return jsonify(openapi_document())
