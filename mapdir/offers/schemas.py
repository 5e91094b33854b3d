"""Answers of the search, offer and GeoJSON endpoints as the OpenAPI document describes them
(pydantic models used for the document only; a test checks real answers against them)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field


class Point(BaseModel):
    """A GeoJSON point (longitude, latitude in WGS84)."""

    type: Literal["Point"]
    coordinates: list[float]


class Fraicheur(BaseModel):
    date_maj: date | None = None
    confirmee_le: date | None = None
    statut: Literal["a_jour", "a_verifier", "obsolete"]


class Offre(BaseModel):
    """An offer (the offer page adds « permanences », « provenance » and « statut »)."""

    id: int
    nom: str
    adresse: str | None = None
    code_postal: str | None = None
    commune_nom: str | None = None
    code_insee: str | None = None
    point: Point | None = None
    precision_geo: str | None = None
    horaires: str | None = Field(None, description="OSM opening_hours")
    services: list[str] = []
    publics: list[str] = []
    frais: list[str] = []
    programmes: list[str] = []
    modalites_accompagnement: list[str] = []
    modalites_acces: list[str] = []
    prise_en_charge: list[str] = []
    telephones: list[str] = []
    courriels: list[str] = []
    sites_web: list[str] = []
    fraicheur: Fraicheur
    fusion: dict[str, Any] | None = Field(
        None, description="Présent quand l'offre demandée a été fusionnée dans celle-ci."
    )


class Passage(BaseModel):
    debut: str = Field(description="date-heure locale (Europe/Paris)")
    fin: str
    libelle: str = Field(examples=["mardi 8 décembre, 9 h–12 h"])
    permanence_id: int
    code_insee: str
    commune: str
    lieu: str | None = None
    distance_km: float = Field(description="de l'origine au point d'arrêt")


class Resultat(Offre):
    distance_km: float
    duree_estimee_min: int = Field(
        description="ligne droite × MAPDIR_DETOUR_FACTOR à MAPDIR_SPEED_KMH"
    )
    distance_depuis: Literal["lieu", "permanence"]
    dans_commune_origine: bool
    types_offre: list[Literal["assistance", "formation", "acces_libre"]] | None = Field(
        None,
        description="Avec le filtre « type_offre » : les types de l'offre ; vide quand elle "
        "n'en renseigne aucun (type non connu, gardée).",
    )
    prochains_passages: list[Passage] = Field(
        description="Passages aux points d'arrêt dans les communes d'origine ou à moins de "
        "5 km : ceux de l'arrêt le plus proche d'abord (celui de « distance_km » quand "
        "« distance_depuis » vaut « permanence »), puis ceux des autres arrêts ; par date "
        "pour chaque arrêt."
    )


class CommuneNom(BaseModel):
    code: str
    nom: str


class Origine(BaseModel):
    mode: Literal["code_postal", "commune", "point"]
    point: Point
    communes: list[CommuneNom]
    points_de_calcul: int


class ParametresRecherche(BaseModel):
    limite: int
    ouvert: str | None = Field(description="Le moment d'ouverture retenu (ISO).")
    ouvert_libelle: str | None


class Recherche(BaseModel):
    """The nearest offers, remote offers apart."""

    origine: Origine
    parametres: ParametresRecherche
    nombre: int
    resultats: list[Resultat]
    a_distance: list[Offre]
    avertissements: list[str]


class OffreFiche(Offre):
    """An offer with its provenance and its itinerant stops."""

    statut: str
    permanences: list[dict[str, Any]]
    provenance: dict[str, Any]


class Entite(BaseModel):
    type: Literal["Feature"]
    id: int
    geometry: Point
    properties: dict[str, Any]


class OffresGeoJSON(BaseModel):
    """Active offers of a bounding box (FeatureCollection)."""

    type: Literal["FeatureCollection"]
    features: list[Entite]
    nombre: int
    tronque: bool


class PageDataInclusion(BaseModel):
    """A page of records in data·inclusion schema v1 (structure.json / service.json of schema
    v1.0.8); a field the directory does not know is null."""

    items: list[dict[str, Any]]
    total: int
    page: int
    size: int
    pages: int
