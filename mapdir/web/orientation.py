"""The prescriber's hand-over pages: the printable fiche d'orientation and the comparison of
the selected places. Both read the offers chosen on the results page and the search's
context sent along with them (the person's commune points, the day of the planned visit,
without a car): distances and travel times from the person's commune, hours of the week of
the visit (issue 18, prescribers 4 and 7)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import render_template, request
from werkzeug.datastructures import MultiDict

from mapdir.errors import InvalidParameter
from mapdir.geo.geodesy import geodesic_m
from mapdir.geo.travel import SANS_VOITURE, TravelMode, drive_minutes, travel_mode
from mapdir.hours import evaluate
from mapdir.http.context import connection, settings
from mapdir.http.redirects import same_site_path
from mapdir.offers.detail import offer_detail
from mapdir.offers.passages import has_passages
from mapdir.text import ascii_float
from mapdir.web import web_bp
from mapdir.web.card import day_hours, publics_label
from mapdir.web.fiche import decorate_offer, things_to_bring, weekly_timetable

WARNING = "MAPDIR_FRESHNESS_WARNING_MONTHS"
MAX_FICHE_OFFERS = 8
MAX_NOTE_CHARS = 1500
MAX_ORIGIN_POINTS = 60
MAX_PLACE_CHARS = 200
#: a visit planned this many days ahead at most (or back: a fiche printed late)
VISIT_DAYS = 366


@dataclass(frozen=True)
class Visit:
    """The search's context sent with the chosen offers."""

    points: list[tuple[float, float]] = field(default_factory=list)  # the person's commune(s)
    place: str = ""  # its name, as the search said it
    day: date | None = None  # the planned visit
    on_foot: bool = False


def parse_offer_ids(values: list[str]) -> list[int]:
    """Offer ids from ``offres`` (repeated and/or comma-separated); 400 when none or bad."""
    raw = [v.strip() for value in values for v in value.split(",") if v.strip()]
    if not raw:
        raise InvalidParameter(
            "Cochez au moins un lieu pour préparer la fiche d'orientation.", parametre="offres"
        )
    if any(not (v.isascii() and v.isdigit()) or len(v) > 18 for v in raw):  # not "²"
        raise InvalidParameter("Identifiant d'offre invalide dans « offres ».", parametre="offres")
    ids = list(dict.fromkeys(int(v) for v in raw))
    if len(ids) > MAX_FICHE_OFFERS:
        raise InvalidParameter(
            f"Une fiche d'orientation compte au plus {MAX_FICHE_OFFERS} lieux.",
            parametre="offres",
        )
    return ids


def _points(raw: str) -> list[tuple[float, float]]:
    """``lon,lat;lon,lat…`` (the results page writes them); 400 when malformed."""
    points = []
    for pair in [p for p in raw.split(";") if p.strip()][: MAX_ORIGIN_POINTS + 1]:
        try:
            lon, lat = (ascii_float(v) for v in pair.split(","))
        except ValueError:
            raise InvalidParameter("« origine » invalide.", parametre="origine") from None
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise InvalidParameter("« origine » invalide.", parametre="origine")
        points.append((lon, lat))
    if len(points) > MAX_ORIGIN_POINTS:
        raise InvalidParameter("« origine » compte trop de points.", parametre="origine")
    return points


def parse_visit(values: MultiDict, today: date) -> Visit:
    """The context fields of the fiche and comparison forms (all optional)."""
    raw_day = (values.get("jour") or "").strip()
    day = None
    if raw_day:
        try:
            day = date.fromisoformat(raw_day) if raw_day.isascii() else None
        except ValueError:
            day = None
        if day is None or abs((day - today).days) > VISIT_DAYS:
            raise InvalidParameter(
                "« Date prévue de la visite » : une date au format AAAA-MM-JJ, dans l'année.",
                parametre="jour",
            )
    place = (values.get("origine_nom") or "").strip()[:MAX_PLACE_CHARS]
    on_foot = (values.get("sans_voiture") or "") == "1"
    return Visit(_points(values.get("origine") or ""), place, day, on_foot)


def travel(visit: Visit, offer: dict[str, Any], walk: TravelMode) -> dict[str, Any] | None:
    """Distance and travel times from the person's commune: ``km``, ``voiture_min``,
    ``pied_min`` (within walking reach), ``approximatif`` (the place is known only by its
    commune's centre: no time, a rounded distance). None without an origin or a point."""
    point = offer.get("point")
    if not visit.points or not point:
        return None
    metres = geodesic_m(visit.points, [tuple(point["coordinates"])])[0]
    config = settings()
    approx = offer.get("precision_geo") == "commune"
    walking = walk.minutes(metres)
    return {
        "km": round(metres / 1000.0, 0 if approx else 1),
        "approximatif": approx,
        "voiture_min": None
        if approx
        else max(
            1,
            round(
                drive_minutes(
                    metres, config.float("MAPDIR_DETOUR_FACTOR"), config.float("MAPDIR_SPEED_KMH")
                )
            ),
        ),
        "pied_min": max(1, round(walking))
        if walking <= walk.threshold_min and not approx
        else None,
    }


def _chosen_offers(ids: list[int], visit: Visit, now: datetime) -> list[dict[str, Any]]:
    config = settings()
    walk = travel_mode(SANS_VOITURE, config)
    start = visit.day or now.date()
    offers = []
    for offer_id in ids:
        offer = offer_detail(connection(), offer_id, now=now)
        detail = decorate_offer(offer, now, warning_months=int(config.float(WARNING)))
        vue = detail["vue"]
        vue["semaine"] = weekly_timetable(detail.get("horaires"), now, start=start)
        vue["jour_visite"] = day_hours(vue["semaine"], start)
        vue["trajet"] = travel(visit, detail, walk)
        vue["publics"] = publics_label(detail.get("publics"))
        vue["agenda"] = has_passages(detail, now)
        offers.append(detail)
    return offers


@web_bp.route("/fiche", methods=["GET", "POST"])
def fiche():
    """The printable fiche. The note comes from the POST body (never stored nor logged);
    a ``note`` in a GET query is accepted too, but the site's forms always POST."""
    now = evaluate.local_now()
    ids = parse_offer_ids(request.values.getlist("offres"))
    note = (request.form.get("note") or request.args.get("note") or "").strip()
    if len(note) > MAX_NOTE_CHARS:
        raise InvalidParameter(
            f"La note est trop longue (au plus {MAX_NOTE_CHARS} caractères).", parametre="note"
        )
    visit = parse_visit(request.values, now.date())
    offers = _chosen_offers(ids, visit, now)
    to_bring = things_to_bring([s for o in offers for s in o.get("services") or []])
    start = visit.day or now.date()
    response = render_template(
        "fiche.html",
        offres=offers,
        note=note,
        maintenant=now,
        visite=visit,
        a_apporter=to_bring,
        semaine_du=start,
        semaine_au=start + timedelta(days=6),
    )
    return response, 200, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@web_bp.route("/comparer", methods=["GET", "POST"])
def comparer():
    """The selected places side by side: distance, hours on the day of the visit, services,
    fees, access (a compact table, readable at 375 px as one block per place)."""
    now = evaluate.local_now()
    ids = parse_offer_ids(request.values.getlist("offres"))
    visit = parse_visit(request.values, now.date())
    offers = _chosen_offers(ids, visit, now)
    back = same_site_path(request.values.get("retour"), prefix="/recherche")
    response = render_template(
        "comparer.html",
        offres=offers,
        visite=visit,
        jour=visit.day or now.date(),
        maintenant=now,
        retour=back,
    )
    return response, 200, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
