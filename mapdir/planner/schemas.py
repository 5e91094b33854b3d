"""Answers of the planner endpoints (couverture, accessibilité, classement) as the OpenAPI
document describes them; the plans' answers are in plan_schemas.py. Pydantic models used for
the document only (the views return the services' dictionaries): a test checks real answers
against them, and no key may be left undeclared (``extra="forbid"``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

ClasseCouverture = Literal["couverte", "peu_couverte", "zone_blanche"]
ClasseAccessibilite = Literal["zone_blanche", "sous_dotee", "dotee"]


class Answer(BaseModel):
    """Every key of an answer is declared: an undeclared one fails the document's test."""

    model_config = ConfigDict(extra="forbid")


class PointLonLat(Answer):
    lon: float
    lat: float


# --- /couverture: time to the nearest offer -------------------------------------------------


class ParametresCouverture(Answer):
    seuil_min: float
    zone_blanche_min: float
    facteur_detour: float
    vitesse_kmh: float
    services: list[str]
    programme: str | None


class CommuneCouverture(Answer):
    code: str
    nom: str
    population: int
    point: PointLonLat
    epci: str | None
    canton: str | None
    offre_id: int | None = Field(description="L'offre la plus proche (null : aucune).")
    offre_nom: str | None
    distance_km: float | None
    duree_estimee_min: float | None = Field(
        description="ligne droite × facteur_detour à vitesse_kmh"
    )
    par_permanence: bool = Field(description="Le lieu le plus proche est une permanence.")
    classe: ClasseCouverture


class Effectif(Answer):
    communes: int
    population: int


class TotauxCouverture(Answer):
    couverte: Effectif
    peu_couverte: Effectif
    zone_blanche: Effectif


class TerritoireCouverture(TotauxCouverture):
    code: str = Field(description="Code de l'EPCI ou du canton (vide : sans).")
    nom: str


class IndicateursCouverture(Answer):
    offres_actives: int
    offres_par_typologie: dict[str, int]
    offres_par_programme: dict[str, int]
    permanences_actives: int
    permanences_en_projet: int
    communes: int
    communes_couvertes: int
    population: int
    population_couverte: int


class Couverture(Answer):
    """Time from each commune to its nearest offer, classes and totals."""

    departement: str
    nom: str
    parametres: ParametresCouverture
    communes: list[CommuneCouverture]
    totaux: TotauxCouverture
    par_epci: list[TerritoireCouverture]
    par_canton: list[TerritoireCouverture]
    indicateurs: IndicateursCouverture


# --- /accessibilite: weekly hours of help within reach (E2SFCA) -----------------------------


class IndicateursEnVigueur(Answer):
    fichier: str
    millesime: str
    origine: str
    importe_le: str = Field(description="date ISO")


class LibellesClasses(Answer):
    zone_blanche: str
    sous_dotee: str
    dotee: str


class ParametresAccessibilite(Answer):
    mesure: Literal["accessibilite"]
    mode: str
    mode_libelle: str
    seuil_min: float
    vitesse_kmh: float
    detour: float
    distance_seuil_km: float
    poids_bandes: list[float]
    bandes_min: list[float]
    besoin: str
    besoin_libelle: str
    heures_par_defaut: float
    heures_par_arret: float
    rayon_bourg_m: float
    services: list[str]
    programme: str | None
    type_offre: str | None
    unite: str
    mediane_departement: float
    mediane_ponderee_besoin: float
    fraction_sous_dotee: float
    seuil_sous_dotee: float
    classes: LibellesClasses
    indicateurs: IndicateursEnVigueur | None = Field(
        description="Les indicateurs de besoin en vigueur (null : jamais importés)."
    )


class CommuneAccessibilite(Answer):
    code: str
    nom: str
    population: int
    besoin: float
    besoin_estime: bool
    point: PointLonLat
    point_source: str
    epci: str | None
    canton: str | None
    accessibilite: float = Field(description="heures hebdomadaires pour 1 000 (besoin)")
    classe: ClasseAccessibilite
    offres_a_portee: int
    duree_min_plus_proche: float | None
    offre_plus_proche: str | None


class CommuneVoisine(Answer):
    code: str
    nom: str
    departement: str
    besoin: float
    point: PointLonLat


class OffrePriseEnCompte(Answer):
    id: int
    permanence_id: int | None
    nom: str
    commune: str | None
    point: PointLonLat
    heures_hebdo: float
    heures_estimees: bool
    type_offre: list[str]
    demande: float
    ratio: float


class EffectifBesoin(Effectif):
    besoin: float


class TotauxAccessibilite(Answer):
    zone_blanche: EffectifBesoin
    sous_dotee: EffectifBesoin
    dotee: EffectifBesoin
    besoin_total: float
    besoin_sous_dote: float
    communes_besoin_estime: int
    offres: int
    offres_heures_estimees: int
    heures_hebdo: float


class ParTypeOffre(Answer):
    libelle: str
    communes_couvertes: int
    offres: int
    heures_hebdo: float


class IndicateursAccessibilite(Answer):
    par_type_offre: dict[str, ParTypeOffre]
    permanences: int
    structures: int
    communes: int


class Accessibilite(Answer):
    """Accessibility of each commune, the neighbours of the buffer and every offer that
    entered the computation (enough to recompute the figures)."""

    departement: str
    nom: str
    parametres: ParametresAccessibilite
    communes: list[CommuneAccessibilite]
    communes_voisines: list[CommuneVoisine]
    offres: list[OffrePriseEnCompte]
    totaux: TotauxAccessibilite
    indicateurs: IndicateursAccessibilite


# --- /couverture.geojson, /accessibilite.geojson ---------------------------------------------


class GeometrieCommune(Answer):
    """The commune's polygon when known, else its representative point."""

    type: Literal["Polygon", "MultiPolygon", "Point"]
    coordinates: list[Any]


class ProprietesCouverture(Answer):
    code: str
    nom: str
    population: int
    epci: str | None
    canton: str | None
    offre_id: int | None
    offre_nom: str | None
    distance_km: float | None
    duree_estimee_min: float | None
    par_permanence: bool
    classe: ClasseCouverture


class ProprietesAccessibilite(Answer):
    code: str
    nom: str
    population: int
    besoin: float
    besoin_estime: bool
    epci: str | None
    canton: str | None
    point_source: str
    accessibilite: float
    classe: ClasseAccessibilite
    offres_a_portee: int
    duree_min_plus_proche: float | None
    offre_plus_proche: str | None


class EntiteCouverture(Answer):
    type: Literal["Feature"]
    properties: ProprietesCouverture
    geometry: GeometrieCommune


class EntiteAccessibilite(Answer):
    type: Literal["Feature"]
    properties: ProprietesAccessibilite
    geometry: GeometrieCommune


class CouvertureGeoJSON(Answer):
    """One feature per commune with the columns of /couverture (FeatureCollection)."""

    type: Literal["FeatureCollection"]
    features: list[EntiteCouverture]


class AccessibiliteGeoJSON(Answer):
    """One feature per commune with the columns of /accessibilite (FeatureCollection)."""

    type: Literal["FeatureCollection"]
    features: list[EntiteAccessibilite]


# --- /classement ------------------------------------------------------------------------------


class TerritoireClasseDistance(Answer):
    rang: int
    code: str
    nom: str
    score: float
    population: int
    composantes: dict[str, float]
    normalisees: dict[str, float] = Field(description="Composantes ramenées entre 0 et 1.")
    arrets_proposes: list[str] = Field(description="Codes des communes des arrêts proposés.")


class TerritoireClasseAccessibilite(TerritoireClasseDistance):
    besoin: float
    accessibilite_moyenne: float = Field(description="pondérée par le besoin")


class ClassementDistance(Answer):
    niveau: Literal["epci", "canton"]
    mesure: Literal["distance"]
    territoires: list[TerritoireClasseDistance]


class ClassementAccessibilite(Answer):
    niveau: Literal["epci", "canton"]
    mesure: Literal["accessibilite"]
    territoires: list[TerritoireClasseAccessibilite]


class Classement(RootModel):
    """EPCIs or cantons ranked for a pilot mission, every component shown (by « mesure »)."""

    root: Annotated[ClassementAccessibilite | ClassementDistance, Field(discriminator="mesure")]
