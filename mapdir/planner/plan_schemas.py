"""Answers of /planification and the plans' endpoints as the OpenAPI document describes them
(the same rules as schemas.py: declared for the document, every key declared)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, RootModel

from mapdir.planner.schemas import (
    Answer,
    ClasseAccessibilite,
    PointLonLat,
    TotauxAccessibilite,
)

# --- the rota, shared by both measures ------------------------------------------------------


class Depot(Answer):
    code: str
    nom: str | None


class Creneau(Answer):
    bus: int
    semaine: int
    jour: str
    demi_journee: str
    debut: str = Field(examples=["09:00"])
    fin: str
    code: str
    nom: str
    horaires: str = Field(description="OSM opening_hours")
    conduite_jour_min: float


class Jour(Answer):
    bus: int
    semaine: int
    jour: str
    arrets: list[str]
    conduite_min: float


class NonPlanifie(Answer):
    code: str
    nom: str
    motif: str


class Tournee(Answer):
    depot: Depot | None = Field(description="null : aucun arrêt à planifier.")
    cycle_semaines: int
    creneaux: list[Creneau]
    jours: list[Jour]
    non_planifies: list[NonPlanifie]


# --- mesure=accessibilite (the default) -----------------------------------------------------


class CommuneAtteinte(Answer):
    code: str
    nom: str
    besoin: float
    classe: ClasseAccessibilite


class AideProche(Answer):
    nom: str | None
    duree_min: float | None


class ArretAccessibilite(Answer):
    rang: int
    code: str
    nom: str
    point: PointLonLat
    besoin_atteint: float
    communes_atteintes: list[CommuneAtteinte]
    accessibilite_avant: float
    accessibilite_apres: float
    aide_la_plus_proche: AideProche
    phrase: str = Field(description="Pourquoi cet arrêt, en une phrase.")
    gain_marginal: int
    communes_nouvellement_couvertes: list[CommuneAtteinte]


class CommuneAvantApres(Answer):
    code: str
    nom: str
    besoin: float
    accessibilite_avant: float
    accessibilite_apres: float
    classe_avant: ClasseAccessibilite
    classe_apres: ClasseAccessibilite


class PlanAccessibilite(Answer):
    departement: str
    mesure: Literal["accessibilite"]
    mode: str
    besoin: str
    k: int
    k_propose: int
    territoire: str | None
    services: list[str]
    programme: str | None
    type_offre: str | None
    note: str | None = Field(description="Pourquoi moins d'arrêts que « k » sont proposés.")
    seuil_min: float
    heures_par_arret: float
    solveur: str
    statut_solveur: str
    secondes: float
    mediane_departement: float
    besoin_sous_dote_avant: float
    besoin_atteint: float
    besoin_sorti_sous_dotation: float
    besoin_sorti_zone_blanche: float
    communes_relevees: int
    heures_ajoutees: float
    totaux_avant: TotauxAccessibilite
    totaux_apres: TotauxAccessibilite
    arrets: list[ArretAccessibilite]
    communes: list[CommuneAvantApres]
    tournee: Tournee


# --- mesure=distance ------------------------------------------------------------------------


class CommuneCouverteDistance(Answer):
    code: str
    nom: str
    population: int


class ArretDistance(Answer):
    rang: int
    code: str
    nom: str
    point: PointLonLat
    gain_marginal: int
    population_rattachee: int
    communes_nouvellement_couvertes: list[CommuneCouverteDistance]


class PointCourbe(Answer):
    k: int
    population_couverte: int


class CouvertureTotale(Answer):
    nombre_arrets: int
    arrets: list[str]
    communes_hors_de_portee: list[str]


class PlanDistance(Answer):
    departement: str
    mesure: Literal["distance"]
    k: int
    k_propose: int
    seuil_min: float
    territoire: str | None
    services: list[str]
    solveur: str
    statut_solveur: str
    secondes: float
    population_totale: int
    population_couverte_avant: int
    population_couverte_apres: int
    population_gagnee: int
    arrets: list[ArretDistance]
    courbe: list[PointCourbe] = Field(description="Population couverte pour 1 à k arrêts.")
    couverture_totale: CouvertureTotale
    tournee: Tournee


class Plan(RootModel):
    """Stops of an itinerant mission with their rota (by « mesure »)."""

    root: Annotated[PlanAccessibilite | PlanDistance, Field(discriminator="mesure")]


# --- publication ----------------------------------------------------------------------------


class PlanPublie(Answer):
    """A published plan: its stops are « projet » permanences until it is confirmed."""

    plan_id: int
    statut: Literal["publie"]
    plan: Plan


class EtatPlan(Answer):
    plan_id: int
    statut: Literal["confirme", "retire"]


class PlanResume(Answer):
    id: int
    nom: str
    statut: str
    offre_id: int | None
    created_at: str = Field(description="date-heure ISO")
    confirmed_at: str | None
    withdrawn_at: str | None
    arrets: int
    permanences: int


class Plans(Answer):
    """Published plans of the département, newest first."""

    plans: list[PlanResume]
