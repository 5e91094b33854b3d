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
    date_reference: date | None = Field(
        None, description="La plus récente de date_maj et confirmee_le."
    )
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
    duree_a_pied_min: int | None = Field(
        None,
        description="À pied (MAPDIR_WALK_DETOUR_FACTOR à MAPDIR_WALK_SPEED_KMH) quand le lieu est "
        "à portée de marche (MAPDIR_WALK_THRESHOLD_MIN) et sa position connue, sinon null.",
    )
    position_approximative: bool = Field(
        False,
        description="Lieu placé au centre de sa commune : distance_km est celle de la commune ; "
        "classé après les lieux placés exactement dans le même kilomètre.",
    )
    informations_manquantes: list[Literal["horaires", "prise_en_charge", "frais", "type_offre"]] = (
        Field(
            [],
            description="Ce que l'offre ne dit pas parmi ce que demandent les filtres "
            "(seulement avec inclure_inconnus=1).",
        )
    )
    distance_depuis: Literal["lieu", "permanence"]
    dans_commune_origine: bool
    types_offre: list[Literal["assistance", "formation", "acces_libre"]] | None = Field(
        None,
        description="Avec le filtre « type_offre » : les types de l'offre ; vide quand elle "
        "n'en renseigne aucun (type non connu : proposée seulement avec inclure_inconnus=1).",
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
    points: list[list[float]] = Field([], description="Les points de calcul (lon, lat).")


class ParametresRecherche(BaseModel):
    limite: int
    ouvert: str | None = Field(description="Le moment d'ouverture retenu (ISO).")
    ouvert_libelle: str | None
    inclure_inconnus: bool = False
    sans_voiture: bool = False
    marche_max_min: float | None = None


class FauteDInformation(BaseModel):
    total: int
    au_moins: bool = Field(
        description="Le compte s'est arrêté à « limite » (recherche ; jamais dans les exports)."
    )
    horaires: int
    prise_en_charge: int
    frais: int
    type_offre: int = Field(description="Type d'offre non renseigné (filtre type_offre).")


class Ecartes(BaseModel):
    """Offers as near as the answer's last that the search left out, and why."""

    faute_d_information: FauteDInformation
    sans_accueil_du_public: int = Field(
        description="Lieux sans accueil du public ou réservés à leurs résidents "
        "(inclure_reserves=1 les propose)."
    )
    au_dela_de_la_marche: int | None = Field(
        None, description="Avec sans_voiture=1 : lieux au-delà de la portée de marche."
    )


class EcartesExport(BaseModel):
    """Offers of the export's scope (whole, not only this page) that the filters left out
    for lack of information (inclure_inconnus=1 keeps them)."""

    faute_d_information: FauteDInformation


class Recherche(BaseModel):
    """The nearest offers, remote offers apart."""

    origine: Origine
    parametres: ParametresRecherche
    nombre: int
    resultats: list[Resultat]
    a_distance: list[Offre]
    ecartes: Ecartes
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
    ecartes: EcartesExport


class PageDataInclusion(BaseModel):
    """A page of records in data·inclusion schema v1 (structure.json / service.json of schema
    v1.0.8); a field the directory does not know is null."""

    items: list[dict[str, Any]]
    total: int
    page: int
    size: int
    pages: int
    ecartes: EcartesExport
