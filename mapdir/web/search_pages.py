"""The prescribers' map site: results page, offer page and fiche d'orientation.

Thin views: the form's fields are turned into the API's query parameters and validated by
mapdir.offers.parameters (one parser, shared with the API), the answers come from
mapdir.offers.search (one service); no SQL here. Everything works without JavaScript;
static/js/carte.js adds the map.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from flask import abort, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from mapdir.errors import InvalidParameter, MapdirError
from mapdir.geo.services import search_communes
from mapdir.geo.travel import SANS_VOITURE, travel_mode
from mapdir.hours import evaluate
from mapdir.http.context import connection, search_connection, settings
from mapdir.http.redirects import same_site_path
from mapdir.offers.detail import offer_detail
from mapdir.offers.left_out import LACKS
from mapdir.offers.parameters import (
    MODALITES,
    PRISE_EN_CHARGE,
    PROGRAMMES,
    PUBLICS,
    SERVICES,
    SearchParams,
)
from mapdir.offers.passages import has_passages
from mapdir.offers.search import search_offers
from mapdir.offers.type_offre import LABELS as TYPE_LABELS
from mapdir.params import Vocabulary
from mapdir.text import normalize_name
from mapdir.web import web_bp
from mapdir.web.card import active_filters, day_hours, looks_cut, publics_label, route_links
from mapdir.web.fiche import (
    SERVICE_LABELS,
    decorate_offer,
    map_marker,
    weekly_timetable,
)

LIST_FIELDS = ("services", "publics", "prise_en_charge", "modalites", "programme")
SCALAR_FIELDS = (
    "lieu", "code_commune", "gratuit", "ouvert", "ouvert_jour", "ouvert_moment", "ouvert_le",
    "type_offre", "limite", "sans_voiture", "inclure_inconnus", "inclure_reserves",
)  # fmt: skip
#: the form's yes/no fields passed to the API as they are
FLAGS = ("sans_voiture", "inclure_inconnus", "inclure_reserves")
OPENING_FIELDS = ("ouvert", "ouvert_jour", "ouvert_moment", "ouvert_le")
FORM_FIELDS = set(LIST_FIELDS) | set(SCALAR_FIELDS)
#: the form's « Ouvert un jour donné »: days and parts of a day as the API reads them
#: (mapdir.hours.open_time); any other « ouvert » value (a link such as
#: ``ouvert=mercredi-matin``) goes to the API as it is
OPEN_DAYS = (
    ("", "— choisir —"), ("aujourd-hui", "Aujourd'hui"), ("demain", "Demain"), ("lundi", "Lundi"),
    ("mardi", "Mardi"), ("mercredi", "Mercredi"), ("jeudi", "Jeudi"),
    ("vendredi", "Vendredi"), ("samedi", "Samedi"), ("dimanche", "Dimanche"),
)  # fmt: skip
OPEN_PARTS = (
    ("", "Toute la journée"), ("matin", "Le matin (8 h–12 h)"),
    ("apres-midi", "L'après-midi (13 h–18 h)"), ("soir", "Le soir (18 h–22 h)"),
)  # fmt: skip
MAX_BIGINT = 2**63 - 1
_POSTCODE_LIKE = re.compile(r"^[\d\s]{1,8}$")
_COMMUNE_IN_PARENS = re.compile(r"\((\d[0-9AB]\d{3})\)\s*$", re.IGNORECASE)


def _choices(vocabulary: Vocabulary) -> list[dict[str, str]]:
    return [{"valeur": slug, "libelle": label} for slug, label in vocabulary.items()]


@web_bp.app_context_processor
def search_vocabulary() -> dict[str, Any]:
    """The search form's vocabularies, for every template (the home page included)."""
    return {
        "vocabulaire": {
            "services": [
                {"valeur": s, "libelle": SERVICE_LABELS[s][0], "exemples": SERVICE_LABELS[s][1]}
                for s in SERVICES.labels
            ],
            "publics": _choices(PUBLICS),
            "prise_en_charge": _choices(PRISE_EN_CHARGE),
            "modalites": _choices(MODALITES),
            "programme": _choices(PROGRAMMES),
            "ouverture": {"jours": OPEN_DAYS, "moments": OPEN_PARTS},
            "types_offre": list(TYPE_LABELS.items()),
        }
    }


def read_form(args: MultiDict) -> dict[str, Any]:
    """The submitted form as lists (checkbox groups) and stripped strings; unknown field
    names raise InvalidParameter."""
    for name in args:
        if name not in FORM_FIELDS:
            raise InvalidParameter(f"Champ de formulaire inconnu : « {name} ».", parametre=name)
    form: dict[str, Any] = {
        name: [v.strip() for raw in args.getlist(name) for v in raw.split(",") if v.strip()]
        for name in LIST_FIELDS
    }
    for name in SCALAR_FIELDS:
        form[name] = (args.get(name) or "").strip()
    return form


def form_query(form: dict[str, Any], **overrides: str) -> str:
    """The form as a query string (to build links that keep the filters)."""
    pairs = [(name, v) for name in LIST_FIELDS for v in form.get(name, [])]
    pairs += [(n, form[n]) for n in SCALAR_FIELDS if form.get(n) and n not in overrides]
    pairs += [(n, v) for n, v in overrides.items() if v]
    return urlencode(pairs)


def _commune_url(form: dict[str, Any], commune: dict[str, Any]) -> str:
    """The search link for one commune: « lieu » becomes "Name (INSEE code)"."""
    lieu = f"{commune['nom']} ({commune['code']})"
    return url_for("web.recherche") + "?" + form_query(form, lieu=lieu, code_commune="")


def filter_args(form: dict[str, Any]) -> dict[str, str]:
    """The API's filter parameters for this form (values validated later by the API parser)."""
    args = {name: ",".join(form[name]) for name in LIST_FIELDS if form[name]}
    if form["gratuit"]:
        args["frais"] = "gratuit"
    if form["type_offre"]:
        args["type_offre"] = form["type_offre"]
    if form["limite"]:
        args["limite"] = form["limite"]
    args.update({name: form[name] for name in FLAGS if form[name]})
    if not form["ouvert"]:  # a day or a date picked without its choice ticked: it is meant
        form["ouvert"] = "jour" if form["ouvert_jour"] else "date" if form["ouvert_le"] else ""
    ouvert = form["ouvert"]
    if ouvert == "jour":
        day, part = form["ouvert_jour"], form["ouvert_moment"]
        if not day or day not in dict(OPEN_DAYS) or part not in dict(OPEN_PARTS):
            raise InvalidParameter(
                "Choisissez un jour et un moment dans les listes.", parametre="ouvert_jour"
            )
        args["ouvert"] = f"{day}-{part}" if part else day
    elif ouvert == "date":
        if not form["ouvert_le"]:
            raise InvalidParameter(
                "Indiquez le jour et l'heure d'ouverture souhaités.", parametre="ouvert_le"
            )
        args["ouvert"] = form["ouvert_le"]
    elif ouvert:  # « maintenant », or a value from a link: the API's parser decides
        args["ouvert"] = ouvert
    return args


def resolve_place(form: dict[str, Any]) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Origin parameters for the field « lieu » (postcode, "Commune (INSEE)" from the
    autocomplete, or a name); when a name matches several communes: ({}, candidates)."""
    lieu = form["lieu"]
    if form["code_commune"]:
        origin = {"code_commune": form["code_commune"]}
        if re.fullmatch(r"\d{5}", lieu):
            origin["code_postal"] = lieu
        return origin, []
    if not lieu:
        raise InvalidParameter("Indiquez un code postal ou une commune.", parametre="lieu")
    if _POSTCODE_LIKE.match(lieu):
        return {"code_postal": lieu.replace(" ", "")}, []
    found = _COMMUNE_IN_PARENS.search(lieu)
    if found:
        return {"code_commune": found.group(1).upper()}, []
    if len(normalize_name(lieu)) < 2:
        raise InvalidParameter("Tapez au moins 2 lettres du nom de la commune.", parametre="lieu")
    candidates = search_communes(connection(), lieu, 10)
    exact = [c for c in candidates if normalize_name(c["nom"]) == normalize_name(lieu)]
    if len(exact) == 1 or (len(candidates) == 1 and not exact):
        return {"code_commune": (exact or candidates)[0]["code"]}, []
    if not candidates:
        raise InvalidParameter(
            f"Aucune commune ne correspond à « {lieu} ». Vérifiez l'orthographe ou "
            "indiquez le code postal.",
            parametre="lieu",
        )
    # every candidate, exact names first: "st leonard" names five Saint-Léonard exactly,
    # and the person may live in Saint-Léonard-de-Noblat (the autocomplete offers it too)
    return {}, candidates


def _form_error(form: dict[str, Any], exc: MapdirError):
    return render_template("index.html", form=form, erreur=exc.message), exc.http_status


@web_bp.get("/recherche")
def recherche():
    now = evaluate.local_now()
    form = {name: [] for name in LIST_FIELDS} | {name: "" for name in SCALAR_FIELDS}
    try:
        form = read_form(request.args)
        origin_args, candidates = resolve_place(form)
        if candidates:
            choices = [
                {"nom": c["nom"], "code": c["code"], "departement": c["departement"],
                 "codes_postaux": c.get("codes_postaux") or [], "url": _commune_url(form, c)}
                for c in candidates
            ]  # fmt: skip
            return render_template("resultats.html", form=form, choix_nom=choices, body=None)
        search_args = {**origin_args, **filter_args(form)}
        search_request = SearchParams.parse(search_args, now=now).request()
        config = settings()
        body = search_offers(
            search_connection(),
            search_request,
            detour_factor=config.float("MAPDIR_DETOUR_FACTOR"),
            speed_kmh=config.float("MAPDIR_SPEED_KMH"),
            now=now,
            walk=travel_mode(SANS_VOITURE, config),
        )
    except MapdirError as exc:
        return _form_error(form, exc)
    origin = body["origine"]
    origin_point = tuple(origin["point"]["coordinates"])
    searched_day = _searched_day(search_request)
    months = warning_months()
    for offer in body["resultats"]:
        decorate_offer(offer, now, origin_point, months)
        _decorate_card(offer, origin_point, search_request.sans_voiture, searched_day, now)
    for offer in body["a_distance"]:
        decorate_offer(offer, now, warning_months=months)
    commune_choices = []
    if origin["mode"] == "code_postal" and len(origin["communes"]) > 1:
        commune_choices = [
            {"nom": c["nom"], "code": c["code"],
             "url": _commune_url(form, c)}
            for c in origin["communes"]
        ]  # fmt: skip
    markers = [
        m
        for m in (map_marker(o, url_for("web.offre", offre_id=o["id"])) for o in body["resultats"])
        if m
    ]
    map_data = {
        "tuiles": _tiles(),
        "origine": {"lat": origin_point[1], "lon": origin_point[0]},
        "offres": markers,
    }
    any_time_url = None
    if body["parametres"]["ouvert"]:  # the same search without the opening time
        cleared = {name: "" for name in OPENING_FIELDS}
        any_time_url = url_for("web.recherche") + "?" + form_query(form, **cleared)
    search_url = url_for("web.recherche") + "?"
    links = {
        "inclure_inconnus": search_url + form_query(form, inclure_inconnus="1"),
        "inclure_reserves": search_url + form_query(form, inclure_reserves="1"),
        "sans_voiture": search_url + form_query(form, sans_voiture="1"),
        "avec_voiture": _without(form, "sans_voiture", None),
    }
    filters_shown = active_filters(
        form, _labels(), body["parametres"]["ouvert_libelle"], lambda n, v: _without(form, n, v)
    )
    visit_origin = ";".join(f"{lon},{lat}" for lon, lat in origin["points"])
    return render_template(
        "resultats.html",
        form=form,
        body=body,
        origine_points=visit_origin,
        retour=request.full_path,
        choix_communes=commune_choices,
        carte=map_data,
        sans_horaire_url=any_time_url,
        liens=links,
        filtres_actifs=filters_shown,
        jour_cherche=searched_day,
        maintenant=now,
    )


def _searched_day(search_request) -> date | None:
    """The day of the opening time searched for (its start), None without one."""
    when = search_request.filters.ouvert
    return None if when is None else evaluate.start_of(when).date()


def _decorate_card(
    offer: dict[str, Any],
    origin: tuple[float, float],
    on_foot: bool,
    day: date | None,
    now: datetime,
) -> None:
    """The card's extra display fields: publics, routes, hours of the day searched for."""
    vue = offer["vue"]
    vue["publics"] = publics_label(offer.get("publics"))
    vue["itineraires"] = route_links(origin, offer, on_foot)
    vue["manquant"] = [LACKS[name] for name in offer.get("informations_manquantes") or ()]
    if day is not None:
        week = weekly_timetable(offer.get("horaires"), datetime.combine(day, now.time()))
        vue["jour_cherche"] = day_hours(week, day)


def _labels() -> dict[str, dict[str, str]]:
    vocabulary = search_vocabulary()["vocabulaire"]
    labels = {
        name: {c["valeur"]: c["libelle"] for c in vocabulary[name]}
        for name in ("services", "publics", "prise_en_charge", "modalites", "programme")
    }
    return {**labels, "type_offre": dict(TYPE_LABELS)}


def _without(form: dict[str, Any], name: str, value: str | None) -> str:
    """The search link of ``form`` without one filter value (or the whole field)."""
    reduced = dict(form)
    if name in LIST_FIELDS:
        reduced[name] = [v for v in form[name] if v != value]
    elif name == "ouvert":
        reduced.update({n: "" for n in OPENING_FIELDS})
    else:
        reduced[name] = ""
    return url_for("web.recherche") + "?" + form_query(reduced)


def warning_months() -> int:
    """MAPDIR_FRESHNESS_WARNING_MONTHS: the age past which a card warns."""
    return int(settings().float("MAPDIR_FRESHNESS_WARNING_MONTHS"))


def _tiles() -> dict[str, str]:
    config = settings()
    return {"url": config["MAPDIR_TILE_URL"], "attribution": config["MAPDIR_TILE_ATTRIBUTION"]}


@web_bp.get("/offres/<int:offre_id>")
def offre(offre_id: int):
    if offre_id > MAX_BIGINT:
        abort(404)
    now = evaluate.local_now()
    detail = offer_detail(connection(), offre_id, now=now)
    if "fusion" in detail:
        back = same_site_path(request.args.get("retour"), prefix="/recherche")
        return redirect(url_for("web.offre", offre_id=detail["id"], retour=back), code=302)
    decorate_offer(detail, now, warning_months=warning_months())
    detail["vue"]["publics"] = publics_label(detail.get("publics"))
    detail["vue"]["horaires_texte_coupe"] = looks_cut(detail.get("horaires_texte"))
    detail["vue"]["agenda"] = has_passages(detail, now)
    markers = [m for m in [map_marker(detail, url_for("web.offre", offre_id=detail["id"]))] if m]
    carte = None
    if markers:
        carte = {
            "tuiles": _tiles(),
            "origine": None,
            "offres": markers,
            "zoom": 15,
        }
    return render_template(
        "offre.html",
        offre=detail,
        semaine=weekly_timetable(detail.get("horaires"), now),
        carte=carte,
        maintenant=now,
        retour=same_site_path(request.args.get("retour"), prefix="/recherche"),
    )
