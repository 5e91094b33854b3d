"""What a result card says beyond the offer's fields: its publics in plain words, the hours
of the day searched for, the route links (car and on foot), the active filters with a link
removing each, and the links that include what a filter left out.

Pure functions over the search answer's dicts and the form: no SQL, no Flask."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from mapdir.hours.labels import french_day
from mapdir.offers.vocab import PUBLICS

#: OpenStreetMap's directions engines by mode
ENGINES = {"voiture": "fossgis_osrm_car", "pied": "fossgis_osrm_foot"}


def publics_label(publics: list[str] | None) -> str:
    """ "Tous publics" when the place addresses no public specifically (the national
    schema's meaning of an empty list), else "Public visé : Seniors, Jeunes"."""
    named = [p for p in publics or () if p in PUBLICS]
    return "Public visé : " + ", ".join(named) if named else "Tous publics"


def route_links(
    origin: tuple[float, float] | None, offer: dict[str, Any], on_foot_first: bool
) -> list[dict[str, str]]:
    """OpenStreetMap directions to the offer's point, by car and, within walking reach, on
    foot (walking first for a person without a car); none for a place known only by its
    commune's centre."""
    point = offer.get("point")
    if not point or offer.get("position_approximative"):
        return []
    lon, lat = point["coordinates"]
    start = f"{origin[1]:.5f},{origin[0]:.5f}" if origin else ""
    modes = [("voiture", "en voiture")]
    if on_foot_first or offer.get("duree_a_pied_min") is not None:
        modes.append(("pied", "à pied"))
    links = []
    for mode, label in modes:
        query = urlencode({"engine": ENGINES[mode], "route": f"{start};{lat:.5f},{lon:.5f}"})
        links.append({"mode": mode, "libelle": label,
                      "url": "https://www.openstreetmap.org/directions?" + query})  # fmt: skip
    return links[::-1] if on_foot_first else links


#: a text ending on one of these was cut by its source (the Haute-Vienne map's hours are
#: 50 characters at most: "les lundis, mardis, jeudis et vendredis de 09h00 à")
_DANGLING = {"à", "a", "de", "du", "des", "et", "au", "aux", "le", "la", "les", "puis", "sur"}


def looks_cut(text: str | None) -> bool:
    """Whether a published text stops mid-sentence (its source cut it)."""
    words = (text or "").rstrip().split()
    if not words:
        return False
    return words[-1].lower() in _DANGLING or words[-1][-1] in ",:;-(/"


def day_hours(week: list[dict[str, Any]] | None, day: date) -> dict[str, Any] | None:
    """The hours of ``day`` from a weekly timetable of its week (fiche.weekly_timetable):
    ``{"jour": "mercredi 9 décembre", "creneaux": ["9 h–12 h"]}``; None when unknown."""
    for entry in week or ():
        if entry["date"] == day:
            moment = datetime.combine(day, datetime.min.time())
            return {"jour": french_day(moment), "creneaux": entry["creneaux"]}
    return None


def active_filters(
    form: dict[str, Any],
    labels: dict[str, dict[str, str]],
    opening_label: str | None,
    url_without: Callable[..., str],
) -> list[dict[str, str]]:
    """The filters of the search, each with its French label and the link of the same
    search without it. ``labels``: {field: {value: label}}; ``url_without(name, value)``."""
    names = {"services": "Besoin", "publics": "Public", "prise_en_charge": "Prise en charge",
             "modalites": "Modalité", "programme": "Dispositif",
             "type_offre": "Type d'offre"}  # fmt: skip
    out = []
    for name, title in names.items():
        values = form.get(name) or ()
        for value in [values] if isinstance(values, str) else values:
            label = labels.get(name, {}).get(value, value)
            out.append({"libelle": f"{title} : {label}", "url": url_without(name, value)})
    if form.get("gratuit"):
        out.append({"libelle": "Gratuit", "url": url_without("gratuit", None)})
    if opening_label:
        out.append({"libelle": f"Ouvert : {opening_label}", "url": url_without("ouvert", None)})
    if form.get("sans_voiture"):
        out.append({"libelle": "Sans voiture (à pied)", "url": url_without("sans_voiture", None)})
    if form.get("inclure_inconnus"):
        out.append(
            {"libelle": "Lieux aux informations incomplètes inclus",
             "url": url_without("inclure_inconnus", None)}
        )  # fmt: skip
    if form.get("inclure_reserves"):
        out.append(
            {"libelle": "Lieux réservés inclus", "url": url_without("inclure_reserves", None)}
        )
    return out
