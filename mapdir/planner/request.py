"""The validated planning request shared by coverage, accessibility, ranking and stops; its
parameters are declared and read in mapdir.planner.parameters (query string, JSON body, form
or CLI, with French 400s naming the parameter)."""

from __future__ import annotations

from dataclasses import dataclass, field

from mapdir.geo.travel import VOITURE, TravelMode, drive_minutes
from mapdir.offers.filters import Filters
from mapdir.planner import solvers

SOLVERS = (solvers.EXACT, solvers.CBC, solvers.HIGHS, solvers.GREEDY)
MAX_K = 50
MESURES = ("accessibilite", "distance")


@dataclass(frozen=True)
class PlanRequest:
    """Validated planning parameters (see mapdir.planner.parameters.parse_request)."""

    departement: str
    seuil_min: float = 20.0
    zone_blanche_min: float = 30.0
    detour_factor: float = 1.3
    speed_kmh: float = 50.0
    services: tuple[str, ...] = ()
    programme: str | None = None
    k: int = 5
    territoire: str | None = None
    depot: str | None = None
    cycle_semaines: int = 1
    solveur: str = solvers.EXACT
    k_max_courbe: int = 15
    poids: dict[str, float] = field(default_factory=dict)
    # accessibility (E2SFCA): the people's travel mode, the need weighting, the offers' type
    mesure: str = "accessibilite"
    mode: TravelMode = TravelMode(VOITURE, 1.3, 50.0, 20.0)
    besoin: str = "population"
    type_offre: str | None = None
    heures_arret: float = 3.0
    poids_bandes: tuple[float, ...] = (1.0, 0.68, 0.22)
    heures_par_defaut: float = 19.0
    rayon_bourg_m: float = 1500.0
    fraction_sous_dotee: float = 0.5
    conduite_max_jour_min: float = 180.0

    @property
    def offer_filter(self) -> Filters:
        """Which offers count as access."""
        programmes = (self.programme,) if self.programme else ()
        return Filters(services=self.services, programmes=programmes, type_offre=self.type_offre)

    @property
    def departement_or_none(self) -> str | None:
        """None for the whole of France ("FR", benchmarks and national reports)."""
        return None if self.departement == "FR" else self.departement

    def minutes(self, distance_m: float | None) -> float | None:
        """Estimated drive minutes for a straight-line distance (None: no offer)."""
        return (
            None
            if distance_m is None
            else drive_minutes(distance_m, self.detour_factor, self.speed_kmh)
        )
