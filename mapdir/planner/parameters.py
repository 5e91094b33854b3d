"""Planning parameters declared once (mapdir.params): the query of the planners' GET
endpoints (coverage, accessibility, ranking, plans), the JSON body of /planification, the
planner page's form and the CLI all validate through these models, which also generate
their part of the OpenAPI document. ``request()`` turns them into a PlanRequest, with the
defaults that depend on the settings and on the travel mode."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from mapdir.config import Settings
from mapdir.errors import InvalidParameter
from mapdir.geo.travel import MODES, VOITURE, travel_mode
from mapdir.offers.type_offre import TYPES
from mapdir.offers.vocab import PROGRAMMES, SERVICES
from mapdir.params import Params, Vocabulary, decimal, integer, many_of, one_of, parameter, text
from mapdir.params.fields import decimal_check, fail
from mapdir.planner import ranking
from mapdir.planner.access_data import NEEDS
from mapdir.planner.request import MAX_K, MESURES, SOLVERS, PlanRequest

NUMBER = "un nombre"
NOT_AN_OBJECT = "Le corps de la requête doit être un objet JSON."
NIVEAUX = ("epci", "canton")


def _settings(context: dict) -> Settings:
    return context.get("settings") or Settings.from_env()


def _mode(raw: Any, _name: str, context: dict) -> str:
    return travel_mode(str(raw), _settings(context)).name  # its own French 400


def _departement(value: str) -> str:
    if not value:
        raise InvalidParameter("Indiquez « departement » (ex. 87).", parametre="departement")
    return value


def _zone_blanche(raw: Any, name: str, context: dict) -> float:
    value = decimal_check(1, 240, NUMBER)(raw, name, context)
    fields = context["fields"]
    seuil = fields.get("seuil_min")
    if seuil is None:
        seuil = travel_mode(fields.get("mode"), _settings(context)).threshold_min
    if value < seuil:
        raise fail("« zone_blanche_min » doit être supérieur ou égal à « seuil_min ».", name)
    return value


def _territoire(value: str) -> str:
    if not (value.isascii() and value.isdigit() and len(value) == 9):
        raise fail("« territoire » doit être le SIREN d'un EPCI (9 chiffres).", "territoire")
    return value


def _depot(value: str) -> str:
    if not (len(value) == 5 and value.isascii() and value.isalnum()):
        raise fail("« depot » doit être un code INSEE de commune.", "depot")
    return value


def _poids(raw: Any, name: str, context: dict) -> dict[str, float]:
    if not raw:
        return {}
    if not isinstance(raw, Mapping) or set(raw) - set(ranking.COMPONENTS):
        raise fail("« poids » : clés attendues {keys}.", name, keys=", ".join(ranking.COMPONENTS))
    check = decimal_check(0, 1000, NUMBER)
    return {k: check(v, f"{name}.{k}", context) for k, v in raw.items()}


def _unknown(noun: str) -> str:
    return noun + " : {value} (attendu : {labels})."


Departement = text(
    "Code du département (ex. 87 ; FR : la France entière) dont les contours sont importés.",
    clean=lambda value: value.strip().upper(),
    check=_departement,
    required="Indiquez « departement » (ex. 87).",
)


class PlanQuery(Params):
    """The parameters every planners' GET endpoint reads (couverture, accessibilite,
    classement): who travels how, which offers count, which threshold; the stops' ones too
    (k, territoire…), validated the same way as in the JSON body of /planification."""

    #: as the planner always read them: only a missing or empty value takes the default
    blank_values: ClassVar[tuple[Any, ...]] = (None, "")

    mode: parameter(
        _mode,
        str,
        {"type": "string", "enum": list(MODES), "default": VOITURE},
        "Déplacement des personnes : voiture ou sans_voiture (à pied).",
    ) = VOITURE
    departement: Departement
    seuil_min: decimal(
        1,
        180,
        "Temps d'accès (minutes) sous lequel une commune est couverte (défaut : celui du mode,"
        " 20 en voiture).",
        noun=NUMBER,
    ) = None
    zone_blanche_min: parameter(
        _zone_blanche,
        float,
        {"type": "number", "minimum": 1, "maximum": 240},
        "Temps d'accès (minutes) au-delà duquel : zone blanche (≥ seuil_min ; défaut 30).",
    ) = None
    services: many_of(
        Vocabulary(SERVICES, exact=True),
        "Services (slugs) : une offre compte si elle en propose au moins un.",
        unknown=_unknown("Service inconnu"),
    ) = ()
    programme: one_of(
        Vocabulary(PROGRAMMES, exact=True),
        "Programme national exact (ex. France Services) : seules ses offres comptent.",
        unknown=_unknown("Programme inconnu"),
    ) = None
    solveur: one_of(
        Vocabulary(SOLVERS, exact=True),
        "Solveur du choix des arrêts (greedy : glouton, aussi pour le minimum d'arrêts).",
        unknown=_unknown("Solveur inconnu"),
    ) = SOLVERS[0]
    territoire: text(
        "SIREN de l'EPCI où choisir les arrêts (défaut : tout le département).",
        clean=str,
        check=_territoire,
        schema={"type": "string", "pattern": "^[0-9]{9}$"},
    ) = None
    depot: text(
        "Code INSEE de la commune d'où part la tournée.",
        clean=str,
        check=_depot,
        schema={"type": "string", "pattern": "^[0-9A-Za-z]{5}$"},
    ) = None
    cycle_semaines: integer(1, 2, "Tournée sur 1 ou 2 semaines.", noun=NUMBER) = 1
    besoin: one_of(
        Vocabulary(NEEDS, exact=True),
        "Pondération du besoin : population, seniors (65 ans et plus), peu_diplomes, "
        "fragilite (moyenne des deux parts).",
        unknown=_unknown("Besoin inconnu"),
    ) = NEEDS[0]
    type_offre: one_of(
        Vocabulary(TYPES, exact=True),
        "Type d'offre compté : assistance, formation ou acces_libre (déduit des services,"
        " modalités et programmes de l'offre ; une offre peut en avoir plusieurs).",
        unknown=_unknown("Type d'offre inconnu"),
    ) = None
    mesure: one_of(
        Vocabulary(MESURES, exact=True),
        "accessibilite (défaut, E2SFCA : heures d'aide à portée pour 1 000 personnes) ou "
        "distance (temps jusqu'au lieu le plus proche).",
        unknown="Mesure inconnue : {value} (attendu : {labels}).",
    ) = MESURES[0]
    k: integer(1, MAX_K, "Nombre d'arrêts à choisir.", noun=NUMBER) = 5
    heures_arret: decimal(
        0.5, 70, "Heures hebdomadaires qu'ajoute chaque arrêt proposé (défaut 3).", noun=NUMBER
    ) = None

    def request(self, settings: Settings | None = None) -> PlanRequest:
        """The PlanRequest, defaults filled from the settings and the travel mode."""
        settings = settings or Settings.from_env()
        mode = travel_mode(self.mode, settings)
        try:
            bands = tuple(float(w) for w in settings["MAPDIR_BAND_WEIGHTS"].split(","))
        except ValueError:
            bands = ()
        if len(bands) != 3 or min(bands) < 0:
            raise InvalidParameter("MAPDIR_BAND_WEIGHTS : trois poids positifs attendus.")
        seuil = mode.threshold_min if self.seuil_min is None else self.seuil_min
        white = self.zone_blanche_min
        if white is None:
            white = max(seuil, mode.threshold_min, settings.float("MAPDIR_WHITE_ZONE_MIN"))
        heures = self.heures_arret
        return PlanRequest(
            departement=self.departement,
            seuil_min=seuil,
            zone_blanche_min=white,
            detour_factor=settings.float("MAPDIR_DETOUR_FACTOR"),
            speed_kmh=settings.float("MAPDIR_SPEED_KMH"),
            services=self.services,
            programme=self.programme,
            k=self.k,
            territoire=self.territoire,
            depot=self.depot,
            cycle_semaines=self.cycle_semaines,
            solveur=self.solveur,
            poids=getattr(self, "poids", {}),
            mesure=self.mesure,
            mode=mode,
            besoin=self.besoin,
            type_offre=self.type_offre,
            heures_arret=settings.float("MAPDIR_STOP_WEEKLY_HOURS") if heures is None else heures,
            poids_bandes=bands,
            heures_par_defaut=settings.float("MAPDIR_DEFAULT_WEEKLY_HOURS"),
            rayon_bourg_m=settings.float("MAPDIR_BOURG_RADIUS_M"),
            fraction_sous_dotee=settings.float("MAPDIR_UNDERSERVED_FRACTION"),
            conduite_max_jour_min=settings.float("MAPDIR_ROTA_MAX_DRIVE_MIN"),
        )


class ClassementQuery(PlanQuery):
    """GET /api/v1/classement: the planning parameters and the level of the territories."""

    niveau: one_of(
        Vocabulary(NIVEAUX, exact=True),
        "Territoires classés : epci ou canton.",
        unknown="Niveau attendu : epci ou canton.",
    ) = NIVEAUX[0]


class PlanBody(PlanQuery):
    """The JSON body of POST /api/v1/planification (and the page's form, the CLI)."""

    poids: parameter(
        _poids,
        dict[str, float],
        {
            "type": "object",
            "properties": {
                c: {"type": "number", "minimum": 0, "maximum": 1000} for c in ranking.COMPONENTS
            },
            "additionalProperties": False,
        },
        "Poids des composantes du classement (mesure=distance).",
    ) = {}


class PublishBody(PlanBody):
    """POST /api/v1/planification/publier: the plan's parameters and its name."""

    nom: text("Nom du plan publié (défaut : « Itinérance numérique … »).") = None


class PlansQuery(Params):
    """GET /api/v1/plans."""

    departement: Departement


def parse_request(data: Mapping, settings: Settings | None = None) -> PlanRequest:
    """A PlanRequest from query/JSON/form values (PlanBody); InvalidParameter (French, with
    the parameter's name) when one is wrong."""
    if not isinstance(data, Mapping):
        raise InvalidParameter(NOT_AN_OBJECT)
    settings = settings or Settings.from_env()
    return PlanBody.parse(data, settings=settings).request(settings)
