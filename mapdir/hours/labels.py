"""French labels of days, dates and opening slots ("mardi 8 décembre, 9 h–12 h")."""

from __future__ import annotations

from datetime import datetime

JOURS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MOIS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def hour_label(moment: datetime) -> str:
    return f"{moment.hour} h" if moment.minute == 0 else f"{moment.hour} h {moment.minute:02d}"


def french_slot_label(begin: datetime, end: datetime) -> str:
    """ "mardi 8 décembre, 9 h–12 h" (minutes shown when not zero: "9 h 30–12 h")."""
    day = french_day(begin)
    if end.date() != begin.date() and not (end.hour == 0 and end.minute == 0):
        return f"{day}, {hour_label(begin)} – {french_day(end)} {hour_label(end)}"
    end_label = "24 h" if end.date() != begin.date() else hour_label(end)
    return f"{day}, {hour_label(begin)}–{end_label}"


def french_day(moment: datetime) -> str:
    """ "mardi 8 décembre"."""
    day = "1er" if moment.day == 1 else str(moment.day)
    return f"{JOURS[moment.weekday()]} {day} {MOIS[moment.month - 1]}"
