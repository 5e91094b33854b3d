"""Passages as an iCalendar feed (RFC 5545) built with the ``icalendar`` library: one event
per passage, in Europe/Paris time (with its VTIMEZONE), with the place, the address and a
link to the offer's page."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

import icalendar

from mapdir.hours.evaluate import PARIS
from mapdir.offers.passages import Passage, Stop

PRODID = "-//mapdir//Passages des permanences//FR"


def _place(stop: Stop) -> str:
    """ "Mairie, 1 place de l'Église, 87190 Sauviat-sur-Vige"."""
    town = " ".join(v for v in (stop.code_postal, stop.commune) if v)
    return ", ".join(v for v in (stop.lieu, stop.adresse, town) if v)


def _summary(stop: Stop) -> str:
    where = stop.commune or stop.lieu
    prefix = "Permanence" if stop.permanence_id is not None else "Passage"
    return f"{prefix} {stop.offre_nom}" + (f" à {where}" if where else "")


def _description(stop: Stop, link: str | None) -> str:
    lines = [stop.offre_nom]
    if _place(stop):
        lines.append(f"Lieu : {_place(stop)}")
    if stop.telephone:
        lines.append(f"Téléphone : {stop.telephone}")
    lines.append("Horaires publiés : " + (stop.horaires or "non renseignés"))
    lines.append("Vérifiez avant de vous déplacer : un passage peut être annulé.")
    if link:
        lines.append(f"Fiche : {link}")
    return "\n".join(lines)


def calendar(
    name: str,
    items: list[Passage],
    offer_url: str,
    now: datetime,
) -> bytes:
    """The feed's bytes. ``offer_url``: the offers' page address with ``{id}`` in it
    (``https://…/offres/{id}``); ``now``: the stamp of every event (aware)."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Paris")
    host = urlsplit(offer_url).hostname or "mapdir"
    for item in items:
        stop = item.stop
        link = offer_url.format(id=stop.offre_id)
        event = icalendar.Event()
        stop_key = f"p{stop.permanence_id}" if stop.permanence_id is not None else "lieu"
        event.add("uid", f"{stop.offre_id}-{stop_key}-{item.debut:%Y%m%dT%H%M}@{host}")
        event.add("dtstamp", now)
        event.add("dtstart", item.debut.replace(tzinfo=PARIS))
        event.add("dtend", item.fin.replace(tzinfo=PARIS))
        event.add("summary", _summary(stop))
        if _place(stop):
            event.add("location", _place(stop))
        event.add("description", _description(stop, link))
        event.add("url", link)
        event.add("status", "CONFIRMED")
        event.add("transp", "TRANSPARENT")  # a passage does not make the reader busy
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
