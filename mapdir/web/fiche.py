"""Presentation helpers for the map site: plain-language labels, the weekly timetable, the
open-now state, directions and safe links, and the "what to bring" list of the fiche.

Pure functions over the dicts returned by mapdir.offers.search: no SQL, no Flask.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from mapdir.hours import evaluate
from mapdir.hours.labels import JOURS, MOIS, french_slot_label, hour_label
from mapdir.offers.offer_json import shift_months

#: service slug → (plain-language label, examples shown under the checkbox)
SERVICE_LABELS: dict[str, tuple[str, str]] = {
    "demarches-administratives": (
        "Faire une démarche administrative en ligne",
        "faire une démarche CAF en ligne, déclarer ses impôts, demander une carte grise",
    ),
    "outils-numeriques-quotidien": (
        "Se servir d'un smartphone ou d'un ordinateur",
        "apprendre à se servir d'un smartphone, envoyer un courriel, faire une visio",
    ),
    "insertion-professionnelle": (
        "Chercher un emploi ou une formation",
        "faire son CV, s'inscrire à France Travail, répondre à une offre",
    ),
    "utilisation-securisee": (
        "Se protéger sur internet",
        "reconnaître une arnaque, choisir un bon mot de passe",
    ),
    "parentalite-education": (
        "Suivre la scolarité de ses enfants",
        "utiliser Pronote ou l'ENT, encadrer les écrans à la maison",
    ),
    "loisirs-creations": (
        "Loisirs et création numérique",
        "retoucher ses photos, créer une vidéo, jouer en ligne",
    ),
    "comprehension-monde-numerique": (
        "Comprendre le numérique",
        "les réseaux sociaux, l'intelligence artificielle, vérifier une information",
    ),
    "acces-internet-materiel": (
        "Avoir accès à internet, un ordinateur, une imprimante",
        "imprimer ou scanner un document, utiliser un ordinateur en libre accès",
    ),
    "materiel-prix-solidaire": (
        "Obtenir du matériel à prix solidaire",
        "acheter un ordinateur ou un téléphone reconditionné, une recharge internet",
    ),
}

#: service slug → what the person should bring (the fiche d'orientation)
TO_BRING: dict[str, tuple[str, ...]] = {
    "demarches-administratives": (
        "une pièce d'identité",
        "vos identifiants FranceConnect (impots.gouv.fr, ameli.fr, La Poste…) si vous en avez",
        "votre numéro allocataire CAF et votre numéro de sécurité sociale",
        "les courriers reçus au sujet de la démarche",
        "un justificatif de domicile récent",
    ),
    "outils-numeriques-quotidien": (
        "votre smartphone ou votre ordinateur, chargé",
        "le code de déverrouillage de l'appareil",
        "votre adresse de courriel et votre mot de passe si vous en avez",
    ),
    "insertion-professionnelle": (
        "votre CV (papier ou sur clé USB) si vous en avez un",
        "votre identifiant France Travail",
        "une pièce d'identité",
    ),
    "utilisation-securisee": (
        "l'appareil concerné, chargé",
        "les messages ou courriers suspects reçus",
    ),
    "parentalite-education": (
        "les identifiants Pronote / ENT donnés par l'établissement",
        "votre smartphone ou votre ordinateur, chargé",
    ),
    "acces-internet-materiel": (
        "les documents à imprimer ou à scanner (clé USB ou courriel)",
        "de quoi payer les impressions si elles sont payantes",
    ),
    "materiel-prix-solidaire": (
        "une pièce d'identité",
        "un justificatif de ressources (attestation CAF, RSA, France Travail…)",
    ),
}
DEFAULT_TO_BRING = ("une pièce d'identité", "votre smartphone ou votre ordinateur, chargé")

DEFAULT_WARNING_MONTHS = 24
OPEN_LABELS = {"ouvert": "Ouvert maintenant", "ferme": "Fermé maintenant", "inconnu": ""}
_PHONE_CHARS = re.compile(r"[^0-9+]")


def service_label(slug: str) -> str:
    """The plain-language label of a service slug (the slug itself when unknown)."""
    return SERVICE_LABELS.get(slug, (slug, ""))[0]


def safe_url(value: str | None) -> str | None:
    """The URL when it is http(s), else None (no ``javascript:`` links from the data)."""
    value = (value or "").strip()
    return value if value.lower().startswith(("https://", "http://")) else None


def tel_href(phone: str) -> str:
    """``tel:`` link target: digits and a leading +."""
    return "tel:" + _PHONE_CHARS.sub("", phone)


def phone_text(phone: str) -> str:
    """A French number as people read it: "+33519090070" → "05 19 09 00 70"."""
    digits = _PHONE_CHARS.sub("", phone)
    if digits.startswith("+33") and len(digits) == 12:
        digits = "0" + digits[3:]
    if len(digits) == 10 and digits.startswith("0"):
        return " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    return phone


def directions_url(origin: tuple[float, float] | None, offer: dict[str, Any]) -> str | None:
    """OpenStreetMap car directions from ``origin`` (lon, lat) to the offer's point."""
    point = offer.get("point")
    if not point:
        return None
    lon, lat = point["coordinates"]
    start = f"{origin[1]:.5f},{origin[0]:.5f}" if origin else ""
    query = urlencode({"engine": "fossgis_osrm_car", "route": f"{start};{lat:.5f},{lon:.5f}"})
    return "https://www.openstreetmap.org/directions?" + query


def open_now(expression: str | None, now: datetime) -> dict[str, str]:
    """``etat`` (ouvert/ferme/inconnu), its French label, and the next opening's label."""
    state = evaluate.open_state(expression, now)
    slots = evaluate.next_openings(expression, now, count=2)
    upcoming = [s for s in slots if s[0] > now]
    label = ""
    if state == "ouvert" and slots:
        label = f"jusqu'à {hour_label(slots[0][1])}" if slots[0][1].date() == now.date() else ""
    elif upcoming:
        label = "prochaine ouverture : " + french_slot_label(*upcoming[0])
    return {"etat": state, "libelle": OPEN_LABELS[state], "prochaine": label}


def weekly_timetable(
    expression: str | None, now: datetime, start: date | None = None
) -> list[dict[str, Any]] | None:
    """Monday–Sunday of the current week (or the 7 days from ``start``: the week of a planned
    visit): each day's open slots as "9 h–12 h" labels (public holidays of that week
    applied); None when the hours cannot be evaluated."""
    if evaluate.parse_hours(expression) is None:
        return None
    first = start or now.date() - timedelta(days=now.weekday())
    monday = datetime.combine(first, datetime.min.time())
    week_end = monday + timedelta(days=7)
    slots = [
        s for s in evaluate.next_openings(expression, monday, count=80, horizon_days=8)
        if s[0] < week_end
    ]  # fmt: skip
    days = []
    for index in range(7):
        day_start = monday + timedelta(days=index)
        day_end = day_start + timedelta(days=1)
        labels = []
        for begin, end in slots:
            begin, end = max(begin, day_start), min(end, day_end)
            if begin >= end:
                continue
            if begin == day_start and end == day_end:
                labels.append("24 h/24")
            else:
                end_label = "24 h" if end == day_end else hour_label(end)
                labels.append(f"{hour_label(begin)}–{end_label}")
        days.append(
            {"jour": JOURS[day_start.weekday()].capitalize(), "date": day_start.date(),
             "creneaux": labels, "aujourdhui": day_start.date() == now.date()}
        )  # fmt: skip
    return days


def things_to_bring(services: list[str]) -> list[str]:
    """What to bring for these services, without duplicates (a default list when none)."""
    items: list[str] = []
    for slug in services:
        items.extend(TO_BRING.get(slug, ()))
    return list(dict.fromkeys(items or DEFAULT_TO_BRING))


def freshness_view(
    fraicheur: dict[str, Any] | None, today: date, warning_months: int
) -> dict[str, str]:
    """The date of the information in neutral words ("Informations du 3 mars 2025"), and a
    warning only past ``warning_months`` without any confirmation (MAPDIR_FRESHNESS_WARNING_
    MONTHS): a prescriber must act on it (telephone first)."""
    reference = (fraicheur or {}).get("date_reference")
    if not reference:
        return {"libelle": "Date des informations inconnue : téléphonez avant",
                "classe": "badge-attention", "statut": "inconnue"}  # fmt: skip
    day = date.fromisoformat(reference)
    label = f"Informations du {date_label(day)}"
    if day < shift_months(today, -warning_months):
        years = warning_months // 12 if warning_months % 12 == 0 else None
        span = f"{years} ans" if years else f"{warning_months} mois"
        return {"libelle": f"{label}, plus de {span} sans confirmation : téléphonez avant",
                "classe": "badge-attention", "statut": "ancienne"}  # fmt: skip
    return {"libelle": label, "classe": "badge-neutre", "statut": "datee"}


def date_label(day: date) -> str:
    """ "3 mars 2025", "1er mai 2024"."""
    return f"{'1er' if day.day == 1 else day.day} {MOIS[day.month - 1]} {day.year}"


def decorate_offer(
    offer: dict[str, Any],
    now: datetime,
    origin: tuple[float, float] | None = None,
    warning_months: int = DEFAULT_WARNING_MONTHS,
) -> dict[str, Any]:
    """The offer dict plus the display fields the templates use (``vue``)."""
    offer["vue"] = {
        "ouverture": open_now(offer.get("horaires"), now),
        "fraicheur": freshness_view(offer.get("fraicheur"), now.date(), warning_months),
        "services": [service_label(s) for s in offer.get("services") or []],
        "telephones": [
            {"texte": phone_text(t), "href": tel_href(t)} for t in offer.get("telephones") or []
        ],
        "sites_web": [u for u in map(safe_url, offer.get("sites_web") or []) if u],
        "prise_rdv_url": safe_url(offer.get("prise_rdv_url")),
        "acceslibre_url": safe_url(offer.get("acceslibre_url")),
        "itineraire": directions_url(origin, offer),
        "arrets": stops_next_passage(offer.get("prochains_passages") or []),
    }
    return offer


def stops_next_passage(passages: list[dict[str, Any]], count: int = 3) -> list[dict[str, Any]]:
    """The next passage of each stop, in the answer's order (the nearest stop first), at most
    ``count`` stops."""
    firsts: dict[Any, dict[str, Any]] = {}
    for passage in passages:
        firsts.setdefault(passage.get("permanence_id"), passage)
    return list(firsts.values())[:count]


def map_marker(offer: dict[str, Any], url: str) -> dict[str, Any] | None:
    """The JSON of one map marker (escaped by tojson, shown with textContent in carte.js)."""
    point = offer.get("point")
    if not point:
        return None
    lon, lat = point["coordinates"]
    return {
        "id": offer["id"],
        "nom": offer["nom"],
        "adresse": " ".join(
            p
            for p in (offer.get("adresse"), offer.get("code_postal"), offer.get("commune_nom"))
            if p
        ),
        "distance_km": offer.get("distance_km"),
        "lat": lat,
        "lon": lon,
        "url": url,
    }
