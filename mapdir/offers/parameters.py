"""The search's request parameters, shared by the API (mapdir.api.recherche) and the
pages (mapdir.web.search_pages): vocabulary slugs → stored values, French 400 messages
(InvalidParameter carrying the parameter's name). Framework-free: any Mapping of strings."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache

from unidecode import unidecode

from mapdir.errors import InvalidParameter
from mapdir.geo.services import validate_postcode
from mapdir.hours import evaluate
from mapdir.hours.evaluate import Period
from mapdir.hours.open_time import parse_open_time
from mapdir.offers import vocab
from mapdir.offers.filters import Filters
from mapdir.offers.search import SearchRequest
from mapdir.text import ascii_float, ascii_int

SERVICES = tuple(vocab.SERVICES)
PUBLICS = vocab.PUBLICS
PRISE_EN_CHARGE = vocab.PRISE_EN_CHARGE
PROGRAMMES = vocab.PROGRAMMES
MODALITES_ACCOMPAGNEMENT = vocab.MODALITES_ACCOMPAGNEMENT
MODALITES_ACCES = vocab.MODALITES_ACCES
ALIASES = {
    "atelier-collectif": "dans-un-atelier-collectif",
    "distance": "a-distance",
    "familles": "familles-et-ou-enfants",
    "conseiller-numerique": "conseillers-numeriques",
    "cnfs": "conseillers-numeriques",
    "france-service": "france-services",
    "pix": "certification-pix",
    "rdv-en-ligne": "prendre-un-rdv-en-ligne",
}
SEARCH_PARAMS = {
    "code_postal", "code_commune", "lat", "lon", "services", "publics", "prise_en_charge",
    "frais", "modalites", "programme", "ouvert", "limite",
}  # fmt: skip
GEOJSON_PARAMS = {"bbox", "services", "programme", "limite"}
MAX_BBOX_DEGREES = 10.0
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def slugify(value: str) -> str:
    """A label's slug: "Familles et/ou enfants" → "familles-et-ou-enfants"."""
    slug = _NON_ALNUM.sub("-", unidecode(value).lower()).strip("-")
    return ALIASES.get(slug, slug)


@lru_cache(maxsize=32)
def _vocabulary(values: tuple[str, ...]) -> dict[str, str]:
    """{slug: label} of a vocabulary (computed once: the vocabularies are constants)."""
    return {slugify(v): v for v in values}


def _list_param(args: Mapping[str, str], name: str) -> list[str]:
    return [v.strip() for v in (args.get(name) or "").split(",") if v.strip()]


def _mapped(args: Mapping[str, str], name: str, vocab: dict[str, str]) -> tuple[str, ...]:
    out = []
    for raw in _list_param(args, name):
        value = vocab.get(slugify(raw))
        if value is None:
            raise InvalidParameter(
                f"Valeur inconnue pour « {name} » : « {raw} ». "
                f"Valeurs possibles : {', '.join(sorted(vocab))}.",
                parametre=name,
            )
        out.append(value)
    return tuple(dict.fromkeys(out))


def _reject_unknown(args: Mapping[str, str], allowed: set[str]) -> None:
    for name in args:
        if name not in allowed and not name.startswith("_"):
            raise InvalidParameter(
                f"Paramètre inconnu : « {name} ». Paramètres acceptés : "
                f"{', '.join(sorted(allowed))}.",
                parametre=name,
            )


def _int(args: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = ascii_int(raw)
    except ValueError:
        raise InvalidParameter(f"« {name} » doit être un nombre entier.", parametre=name) from None
    if not lo <= value <= hi:
        raise InvalidParameter(f"« {name} » doit être compris entre {lo} et {hi}.", parametre=name)
    return value


def _float(args: Mapping[str, str], name: str, lo: float, hi: float) -> float:
    try:
        value = ascii_float(args.get(name) or "")
    except ValueError:
        raise InvalidParameter(f"« {name} » doit être un nombre décimal.", parametre=name) from None
    if not lo <= value <= hi:
        raise InvalidParameter(f"« {name} » doit être compris entre {lo} et {hi}.", parametre=name)
    return value


def parse_when(raw: str | None, now: datetime | None = None) -> datetime | Period | None:
    """The ``ouvert`` parameter (mapdir.hours.open_time: ``maintenant``, a date-time, a day
    and part of it, an interval) in France's wall-clock time."""
    return parse_open_time(raw, now or evaluate.local_now())


def parse_filters(args: Mapping[str, str], now: datetime | None = None) -> Filters:
    """Filters from query parameters; unknown values raise InvalidParameter (400)."""
    frais = [slugify(v) for v in _list_param(args, "frais")]
    if any(v != "gratuit" for v in frais):
        raise InvalidParameter("« frais » n'accepte que « gratuit ».", parametre="frais")
    modalites = _mapped(args, "modalites", _vocabulary(MODALITES_ACCOMPAGNEMENT + MODALITES_ACCES))
    return Filters(
        services=_mapped(args, "services", {s: s for s in SERVICES}),
        publics=_mapped(args, "publics", _vocabulary(PUBLICS)),
        prise_en_charge=_mapped(args, "prise_en_charge", _vocabulary(PRISE_EN_CHARGE)),
        gratuit=bool(frais),
        modalites_accompagnement=tuple(m for m in modalites if m in MODALITES_ACCOMPAGNEMENT),
        modalites_acces=tuple(m for m in modalites if m in MODALITES_ACCES),
        programmes=_mapped(args, "programme", _vocabulary(PROGRAMMES)),
        ouvert=parse_when(args.get("ouvert"), now),
    )


def parse_search_request(args: Mapping[str, str], now: datetime | None = None) -> SearchRequest:
    """A validated SearchRequest from /recherche query parameters."""
    _reject_unknown(args, SEARCH_PARAMS)
    has_lat, has_lon = bool(args.get("lat")), bool(args.get("lon"))
    if has_lat != has_lon:
        missing = "lon" if has_lat else "lat"
        raise InvalidParameter("Indiquez à la fois « lat » et « lon ».", parametre=missing)
    lat = _float(args, "lat", -90.0, 90.0) if has_lat else None
    lon = _float(args, "lon", -180.0, 180.0) if has_lon else None
    code_postal = (args.get("code_postal") or "").strip() or None
    code_commune = (args.get("code_commune") or "").strip() or None
    if lat is None and not code_postal and not code_commune:
        raise InvalidParameter(
            "Indiquez une origine : « code_postal », « code_commune » ou « lat » et « lon ».",
            parametre="code_postal",
        )
    if code_postal is not None:
        code_postal = validate_postcode(code_postal)
    return SearchRequest(
        code_postal=code_postal,
        code_commune=code_commune,
        lat=lat,
        lon=lon,
        filters=parse_filters(args, now),
        limite=_int(args, "limite", 20, 1, 100),
    )


def parse_bbox(raw: str | None) -> tuple[float, float, float, float]:
    """``minlon,minlat,maxlon,maxlat`` within France-size limits (at most 10° × 10°)."""
    parts = (raw or "").split(",")
    try:
        values = tuple(ascii_float(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != 4:
        raise InvalidParameter(
            "« bbox » doit compter 4 nombres : minlon,minlat,maxlon,maxlat.", parametre="bbox"
        )
    x0, y0, x1, y1 = values
    if not (-180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90):
        raise InvalidParameter(
            "« bbox » invalide : il faut -180 ≤ minlon < maxlon ≤ 180 "
            "et -90 ≤ minlat < maxlat ≤ 90.",
            parametre="bbox",
        )
    if x1 - x0 > MAX_BBOX_DEGREES or y1 - y0 > MAX_BBOX_DEGREES:
        raise InvalidParameter(
            f"« bbox » trop grande : au plus {MAX_BBOX_DEGREES:g}° × {MAX_BBOX_DEGREES:g}°.",
            parametre="bbox",
        )
    return values


def parse_geojson_request(
    args: Mapping[str, str],
) -> tuple[tuple[float, float, float, float], Filters, int]:
    """(bbox, filters, limit) of an /offres.geojson query."""
    _reject_unknown(args, GEOJSON_PARAMS)
    bbox = parse_bbox(args.get("bbox"))
    filters = Filters(
        services=_mapped(args, "services", {s: s for s in SERVICES}),
        programmes=_mapped(args, "programme", _vocabulary(PROGRAMMES)),
    )
    return bbox, filters, _int(args, "limite", 5000, 1, 20_000)
