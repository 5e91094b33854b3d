"""Planning parameters: one validated request shared by coverage, accessibility, ranking
and stops (query string, JSON body, form or CLI), with French 400s naming the parameter."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from mapdir.config import Settings
from mapdir.errors import InvalidParameter
from mapdir.geo.travel import VOITURE, TravelMode, drive_minutes, travel_mode
from mapdir.offers.filters import Filters
from mapdir.offers.type_offre import TYPES
from mapdir.offers.vocab import PROGRAMMES, SERVICES
from mapdir.planner import ranking, solvers
from mapdir.planner.access_data import NEEDS
from mapdir.text import ascii_float, ascii_int

SOLVERS = (solvers.EXACT, solvers.CBC, solvers.HIGHS, solvers.GREEDY)
MAX_K = 50
MESURES = ("accessibilite", "distance")


@dataclass(frozen=True)
class PlanRequest:
    """Validated planning parameters (see `parse_request`)."""

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


def _number(raw, name: str, cast, lo: float, hi: float):
    try:
        value = cast(ascii_float(raw) if cast is float else ascii_int(raw))
    except (TypeError, ValueError):
        raise InvalidParameter(f"« {name} » doit être un nombre.", parametre=name) from None
    if isinstance(value, float) and not math.isfinite(value) or not lo <= value <= hi:
        raise InvalidParameter(
            f"« {name} » doit être compris entre {lo:g} et {hi:g}.", parametre=name
        )
    return value


def _list(raw) -> list[str]:
    if raw is None or raw == "":
        return []
    items = raw if isinstance(raw, list | tuple) else str(raw).split(",")
    return [str(s).strip() for s in items if str(s).strip()]


def parse_request(data: Mapping, settings: Settings | None = None) -> PlanRequest:
    """A PlanRequest from query/JSON/form values; InvalidParameter (French) when wrong.

    Keys: departement, seuil_min, zone_blanche_min, services (list or comma-separated slugs),
    programme, k, territoire (EPCI SIREN), depot (INSEE code), cycle_semaines (1|2), solveur,
    mode (voiture|sans_voiture), besoin, type_offre, mesure (accessibilite|distance),
    heures_arret (weekly hours a proposed stop adds). The threshold defaults to the mode's.
    """
    settings = settings or Settings.from_env()
    if not isinstance(data, Mapping):
        raise InvalidParameter("Le corps de la requête doit être un objet JSON.")

    def get(name: str, default):
        value = data.get(name)
        return default if value is None or value == "" else value

    mode = travel_mode(str(get("mode", VOITURE)), settings)
    try:
        bands = tuple(float(w) for w in settings["MAPDIR_BAND_WEIGHTS"].split(","))
    except ValueError:
        bands = ()
    if len(bands) != 3 or min(bands) < 0:
        raise InvalidParameter("MAPDIR_BAND_WEIGHTS : trois poids positifs attendus.")
    defaults = PlanRequest(
        departement="",
        seuil_min=mode.threshold_min,
        zone_blanche_min=max(mode.threshold_min, settings.float("MAPDIR_WHITE_ZONE_MIN")),
        detour_factor=settings.float("MAPDIR_DETOUR_FACTOR"),
        speed_kmh=settings.float("MAPDIR_SPEED_KMH"),
        mode=mode,
        heures_arret=settings.float("MAPDIR_STOP_WEEKLY_HOURS"),
        poids_bandes=bands,
        heures_par_defaut=settings.float("MAPDIR_DEFAULT_WEEKLY_HOURS"),
        rayon_bourg_m=settings.float("MAPDIR_BOURG_RADIUS_M"),
        fraction_sous_dotee=settings.float("MAPDIR_UNDERSERVED_FRACTION"),
        conduite_max_jour_min=settings.float("MAPDIR_ROTA_MAX_DRIVE_MIN"),
    )

    departement = str(get("departement", "")).strip().upper()
    if not departement:
        raise InvalidParameter("Indiquez « departement » (ex. 87).", parametre="departement")
    seuil = _number(get("seuil_min", defaults.seuil_min), "seuil_min", float, 1, 180)
    white = _number(
        get("zone_blanche_min", max(seuil, defaults.zone_blanche_min)),
        "zone_blanche_min",
        float,
        1,
        240,
    )
    if white < seuil:
        raise InvalidParameter(
            "« zone_blanche_min » doit être supérieur ou égal à « seuil_min ».",
            parametre="zone_blanche_min",
        )
    services = tuple(_list(data.get("services")))
    unknown = [s for s in services if s not in SERVICES]
    if unknown:
        raise InvalidParameter(
            f"Service inconnu : {', '.join(unknown)} (attendu : {', '.join(SERVICES)}).",
            parametre="services",
        )
    programme = get("programme", None)
    if programme is not None and programme not in PROGRAMMES:
        raise InvalidParameter(
            f"Programme inconnu : {programme} (attendu : {', '.join(PROGRAMMES)}).",
            parametre="programme",
        )
    solveur = str(get("solveur", defaults.solveur))
    if solveur not in SOLVERS:
        raise InvalidParameter(
            f"Solveur inconnu : {solveur} (attendu : {', '.join(SOLVERS)}).", parametre="solveur"
        )
    territoire = get("territoire", None)
    if territoire is not None and not (str(territoire).isdigit() and len(str(territoire)) == 9):
        raise InvalidParameter(
            "« territoire » doit être le SIREN d'un EPCI (9 chiffres).", parametre="territoire"
        )
    depot = get("depot", None)
    if depot is not None and not (len(str(depot)) == 5 and str(depot).isalnum()):
        raise InvalidParameter("« depot » doit être un code INSEE de commune.", parametre="depot")
    cycle = _number(get("cycle_semaines", 1), "cycle_semaines", int, 1, 2)
    besoin = str(get("besoin", "population"))
    if besoin not in NEEDS:
        raise InvalidParameter(
            f"Besoin inconnu : {besoin} (attendu : {', '.join(NEEDS)}).", parametre="besoin"
        )
    kind = get("type_offre", None)
    if kind is not None and kind not in TYPES:
        raise InvalidParameter(
            f"Type d'offre inconnu : {kind} (attendu : {', '.join(TYPES)}).",
            parametre="type_offre",
        )
    mesure = str(get("mesure", "accessibilite"))
    if mesure not in MESURES:
        raise InvalidParameter(
            f"Mesure inconnue : {mesure} (attendu : {', '.join(MESURES)}).", parametre="mesure"
        )
    poids = data.get("poids") or {}
    if not isinstance(poids, Mapping) or set(poids) - set(ranking.COMPONENTS):
        raise InvalidParameter(
            f"« poids » : clés attendues {', '.join(ranking.COMPONENTS)}.", parametre="poids"
        )
    return replace(
        defaults,
        departement=departement,
        seuil_min=seuil,
        zone_blanche_min=white,
        services=services,
        programme=programme,
        k=_number(get("k", defaults.k), "k", int, 1, MAX_K),
        territoire=None if territoire is None else str(territoire),
        depot=None if depot is None else str(depot),
        cycle_semaines=cycle,
        solveur=solveur,
        poids={k: _number(v, f"poids.{k}", float, 0, 1000) for k, v in poids.items()},
        besoin=besoin,
        type_offre=kind,
        mesure=mesure,
        heures_arret=_number(
            get("heures_arret", defaults.heures_arret), "heures_arret", float, 0.5, 70
        ),
    )
