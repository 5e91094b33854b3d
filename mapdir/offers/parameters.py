"""Parameters of the prescribers' search, the offer page and the GeoJSON export, declared once
(mapdir.params): the API, the HTML search form and the OpenAPI document all use these."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pydantic import model_validator

from mapdir.errors import InvalidParameter
from mapdir.geo.importer import normalize_departement
from mapdir.geo.services import validate_postcode
from mapdir.hours import evaluate
from mapdir.hours.open_time import parse_open_time
from mapdir.offers import type_offre, vocab
from mapdir.offers.filters import Filters
from mapdir.offers.search import SearchRequest
from mapdir.params import (
    Params,
    Vocabulary,
    decimal,
    integer,
    many_of,
    one_of,
    parameter,
    text,
)
from mapdir.params.fields import Required, fail
from mapdir.text import ascii_float

SERVICES = Vocabulary(vocab.SERVICES)
PUBLICS = Vocabulary(vocab.PUBLICS)
PRISE_EN_CHARGE = Vocabulary(vocab.PRISE_EN_CHARGE)
PROGRAMMES = Vocabulary(vocab.PROGRAMMES)
MODALITES = Vocabulary(vocab.MODALITES_ACCOMPAGNEMENT + vocab.MODALITES_ACCES)
TYPES_OFFRE = Vocabulary(type_offre.TYPES, exact=True)
MAX_BBOX_DEGREES = 10.0
MAX_ID_DIGITS = 18
MAX_EXPORT_PAGE = 1000
_ANY_OF = " Valeurs séparées par des virgules ; une offre convient si elle porte au moins une."

OUVERT_HELP = (
    "Moment d'ouverture, en heure de France (Europe/Paris) : « maintenant » ; une date-heure "
    "ISO (2026-12-02T10:00) ; un jour et un moment (mercredi-matin, demain-apres-midi, "
    "aujourd-hui, samedi, 2026-12-02-soir, 2026-12-02 ; matin 8 h–12 h, après-midi 13 h–18 h, "
    "soir 18 h–22 h ; un jour de la semaine désigne le prochain qui n'est pas terminé) ; ou un "
    "intervalle ISO (2026-12-02T09:00/2026-12-02T12:00, 7 jours au plus). Ne garde que les "
    "offres ouvertes à ce moment (pour une période : ouvertes au moins 30 minutes d'affilée "
    "dedans) selon leurs horaires OSM ; une offre sans horaires exploitables est écartée "
    "(signalé dans « avertissements »). La réponse rappelle le moment retenu "
    "(« parametres.ouvert », « parametres.ouvert_libelle »)."
)


def _open_time(raw: Any, _name: str, context: dict) -> Any:
    return parse_open_time(str(raw), context.get("now") or evaluate.local_now())


TRUE_WORDS, FALSE_WORDS = ("1", "true", "oui", "on"), ("", "0", "false", "non", "off")


def _flag_value(raw: Any, name: str, _context: dict) -> bool:
    word = str(raw).strip().lower()
    if word not in TRUE_WORDS + FALSE_WORDS:
        raise fail("« {name} » vaut « 1 » (oui) ou « 0 » (non).", name)
    return word in TRUE_WORDS


def flag(description: str) -> Any:
    """A yes/no parameter: ``1`` (also true, oui, on) or ``0`` (also false, non, off); the
    document says boolean (``true``/``false`` on the wire, accepted)."""
    return parameter(_flag_value, bool, {"type": "boolean"}, description)


def _bbox(raw: Any, name: str, _context: dict) -> tuple[float, float, float, float]:
    parts = str(raw).split(",")
    try:
        values = tuple(ascii_float(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != 4:
        raise fail(BBOX_COUNT, name)
    x0, y0, x1, y1 = values
    if not (-180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90):
        raise fail(
            "« bbox » invalide : il faut -180 ≤ minlon < maxlon ≤ 180 "
            "et -90 ≤ minlat < maxlat ≤ 90.",
            name,
        )
    if x1 - x0 > MAX_BBOX_DEGREES or y1 - y0 > MAX_BBOX_DEGREES:
        raise fail(
            f"« bbox » trop grande : au plus {MAX_BBOX_DEGREES:g}° × {MAX_BBOX_DEGREES:g}°.", name
        )
    return values


BBOX_COUNT = "« bbox » doit compter 4 nombres : minlon,minlat,maxlon,maxlat."


def _offer_id(raw: Any, name: str, _context: dict) -> int:
    raw = str(raw)
    if not (raw.isascii() and raw.isdigit()) or len(raw) > MAX_ID_DIGITS:
        raise fail("Identifiant d'offre invalide : « {raw} » (un nombre entier).", name, raw=raw)
    return int(raw)


ServicesParam = many_of(SERVICES, "Services (slugs)." + _ANY_OF)
ProgrammeParam = many_of(
    PROGRAMMES, "Dispositifs / programmes nationaux (slugs ; cnfs, pix… acceptés)." + _ANY_OF
)


class OfferFilterParams(Params):
    """The offer filters of the search, declared once: the search, the GeoJSON export and the
    data·inclusion export (API and ``mapdir export``) all take them, with the same meaning of
    unknown data (mapdir.offers.filters)."""

    reject_unknown = True

    frais: many_of(
        Vocabulary(["gratuit"]),
        "« gratuit » : seules les offres dont les frais contiennent « Gratuit ».",
        unknown="« {name} » n'accepte que « gratuit ».",
    ) = ()
    modalites: many_of(MODALITES, "Modalités d'accompagnement ou d'accès." + _ANY_OF) = ()
    services: ServicesParam = ()
    publics: many_of(
        PUBLICS,
        "Publics spécifiquement adressés (familles…) ; une offre qui n'en nomme aucun est "
        "ouverte à tous et répond toujours." + _ANY_OF,
    ) = ()
    prise_en_charge: many_of(PRISE_EN_CHARGE, "Prises en charge spécifiques." + _ANY_OF) = ()
    programme: ProgrammeParam = ()
    type_offre: one_of(
        TYPES_OFFRE,
        "Type d'offre : assistance, formation ou acces_libre (déduit des services, modalités et "
        "programmes de l'offre). Une offre qui n'en renseigne aucun n'a pas de type connu : "
        "comme une accessibilité ou un tarif non précisés, elle est écartée et comptée dans "
        "« ecartes » ; inclure_inconnus=1 la propose (« types_offre » vide dans la recherche).",
    ) = None
    inclure_inconnus: flag(
        "1 : les offres qui ne disent rien de ce que demandent les filtres prise_en_charge, "
        "frais (gratuit), type_offre ou, dans la recherche, ouvert (horaires inconnus) sont "
        "retenues aussi (dans la recherche, « informations_manquantes » le dit) ; 0 (défaut) : "
        "elles sont écartées et comptées dans « ecartes.faute_d_information ». Une offre sans "
        "public précisé est ouverte à tous : elle répond toujours au filtre publics."
    ) = False

    def filters(self) -> Filters:
        return Filters(
            services=self.services,
            publics=self.publics,
            prise_en_charge=self.prise_en_charge,
            gratuit=bool(self.frais),
            modalites_accompagnement=tuple(
                m for m in self.modalites if m in vocab.MODALITES_ACCOMPAGNEMENT
            ),
            modalites_acces=tuple(m for m in self.modalites if m in vocab.MODALITES_ACCES),
            programmes=self.programme,
            type_offre=self.type_offre,
            inclure_inconnus=self.inclure_inconnus,
        )


class SearchParams(OfferFilterParams):
    """GET /api/v1/recherche (and the search form, once its fields are turned into these)."""

    reject_unknown = True

    lat: decimal(-90.0, 90.0, "Latitude WGS84 (avec lon ; prioritaire).") = None
    lon: decimal(-180.0, 180.0, "Longitude WGS84 (avec lat).") = None
    code_postal: text(
        "Code postal (5 chiffres) : origine = toutes ses communes.",
        check=validate_postcode,
        schema={"type": "string", "pattern": "^[0-9]{5}$"},
    ) = None
    code_commune: text("Code INSEE de la commune choisie (prioritaire sur code_postal).") = None
    ouvert: parameter(_open_time, Any, {"type": "string"}, OUVERT_HELP) = None
    limite: integer(1, 100, "Nombre de résultats (1–100).") = 20
    inclure_reserves: flag(
        "1 : propose aussi les lieux qui n'accueillent pas de public ou réservés à leurs "
        "résidents (écartés par défaut, comptés dans « ecartes »)."
    ) = False
    sans_voiture: flag(
        "1 : la personne n'a pas de voiture : seuls les lieux à portée de marche "
        "(MAPDIR_WALK_THRESHOLD_MIN, 30 min par défaut) sont proposés, du plus proche à pied "
        "au plus loin."
    ) = False

    @model_validator(mode="before")
    @classmethod
    def _origin(cls, values: dict) -> dict:
        has_lat, has_lon = "lat" in values, "lon" in values
        if has_lat != has_lon:
            missing = "lon" if has_lat else "lat"
            raise InvalidParameter("Indiquez à la fois « lat » et « lon ».", parametre=missing)
        if not has_lat and "code_postal" not in values and "code_commune" not in values:
            raise InvalidParameter(
                "Indiquez une origine : « code_postal », « code_commune » ou « lat » et « lon ».",
                parametre="code_postal",
            )
        return values

    def filters(self) -> Filters:
        return replace(
            super().filters(), ouvert=self.ouvert, inclure_reserves=self.inclure_reserves
        )

    def request(self) -> SearchRequest:
        return SearchRequest(
            code_postal=self.code_postal,
            code_commune=self.code_commune,
            lat=self.lat,
            lon=self.lon,
            filters=self.filters(),
            limite=self.limite,
            sans_voiture=self.sans_voiture,
        )


class GeoJSONParams(OfferFilterParams):
    """GET /api/v1/offres.geojson: the search's filters on a map extent."""

    reject_unknown = True

    bbox: parameter(
        _bbox,
        tuple[float, float, float, float],
        {"type": "string", "example": "1.1,45.7,1.4,45.9"},
        f"minlon,minlat,maxlon,maxlat (au plus {MAX_BBOX_DEGREES:g}° × {MAX_BBOX_DEGREES:g}°).",
        Required(BBOX_COUNT),
    )
    limite: integer(1, 20_000, "Nombre d'entités (1–20000).") = 5000


class ExportParams(OfferFilterParams):
    """GET /api/v1/export/data-inclusion/structures and …/services: the search's filters, a
    département, a bbox, and data·inclusion's paging (``page``, ``size``)."""

    reject_unknown = True

    departement: text(
        "Code du département des offres (par leur commune), ex. 87.",
        check=normalize_departement,
        schema={"type": "string", "example": "87"},
    ) = None
    bbox: parameter(
        _bbox,
        tuple[float, float, float, float],
        {"type": "string", "example": "1.1,45.7,1.4,45.9"},
        f"minlon,minlat,maxlon,maxlat (au plus {MAX_BBOX_DEGREES:g}° × {MAX_BBOX_DEGREES:g}°).",
    ) = None
    page: integer(1, 1_000_000, "Numéro de page (à partir de 1).") = 1
    size: integer(1, MAX_EXPORT_PAGE, f"Enregistrements par page (1–{MAX_EXPORT_PAGE}).") = 500


class OfferPath(Params):
    """The offer of /api/v1/offres/{id}."""

    id: parameter(_offer_id, int, {"type": "integer", "minimum": 0}, "Identifiant de l'offre.")
