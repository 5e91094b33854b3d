"""Directory of digital-inclusion actors of Limoges Métropole / Haute-Vienne (ArcGIS).

The file has ONE ROW PER (place, service). ``read`` groups the rows of one place (same
normalised ``nom_org`` + ``adresse`` + ``commune``) into one raw record
``{"cle": [...], "lignes": [row, ...]}``, so the mapper produces one place with several
services. ``infobulle`` is untrusted raw HTML: it stays inside ``raw`` only. The BAN
columns give ``code_insee`` (``result_citycode``) and the coordinate precision
(``result_type``). Reads the .json and the .geojson (Point features, no BAN columns).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from etl.record import BadFile, OfferRecord
from etl.sources import common, list_fields
from etl.vocab import SERVICES, normalise_label
from mapdir.hours.free_text import free_text_to_osm

SLUG = "haute-vienne"
LABEL = "Acteurs du numérique de Haute-Vienne (Limoges Métropole)"
URL = "https://sig.limoges-metropole.fr/"
FILE_GLOB = "haute-vienne-acteurs-numerique-*.json"
FORMAT = "json|geojson"
REQUIRED_COLUMNS = ("nom_org", "adresse", "commune", "service")

# `service` values of the real file (reviewed) → our slugs; () = no matching v1 service.
SERVICE_SLUGS: dict[str, tuple[str, ...]] = {
    normalise_label(label): slugs
    for label, slugs in {
        "Accès à Internet": ("acces-internet-materiel",),
        "Accès à du matériel (PC, tablettes, smartphones…)": ("acces-internet-materiel",),
        "Accès à une imprimante / scanner": ("acces-internet-materiel",),
        "Autre matériel": ("acces-internet-materiel",),
        "Don, prêt matériel": ("materiel-prix-solidaire",),
        "Dépannage, conseils": ("outils-numeriques-quotidien",),
        "Découverte de l'ordinateur-tablette- smartphone": ("outils-numeriques-quotidien",),
        "Découverte d'internet, des réseaux sociaux et de l'usage de la messagerie "
        "(sites grand public, réseaux sociaux, messagerie)": ("outils-numeriques-quotidien",),
        "Découverte des logiciels bureautiques ( l'ordinateur/tablettes, traitement de "
        "texte, tableur…)": ("outils-numeriques-quotidien",),
        "Aide aux démarches administratives dématérialisées et accès aux droits "
        "( impôts, caf, …)": ("demarches-administratives",),
        "Initiation à la culture numérique (ex. protection des données, détection des "
        "fake news, etc.)": ("comprehension-monde-numerique", "utilisation-securisee"),
        "Aide à la recherche d'emploi": ("insertion-professionnelle",),
        # development, web communication: creating with digital tools
        "Compétences numérique avancées (développement, communication…)": ("loisirs-creations",),
        "Pratiques d'activités numériques récréatives": ("loisirs-creations",),
        "Autre accompagnement": (),
    }.items()
}
CATEGORY_SLUGS = {normalise_label("Accès au matériel et à Internet"): ("acces-internet-materiel",)}
STATUS_TYPOLOGY = {"association": "ASSO", "mediathequebibliotheque": "BIB", "mairie": "MUNI"}
BAN_PRECISION = {
    "housenumber": "adresse",
    "street": "rue",
    "locality": "rue",
    "municipality": "commune",
}
NO_HOURS = {"", "serapprocherdelorganisme", "quotidien"}
_DESTINATION = re.compile(r"destination=(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)")


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The flat rows of the .json, or of the .geojson (properties + point coordinates)."""
    path = Path(path)
    if path.suffix.lower() != ".geojson":
        return common.read_json_array(path, REQUIRED_COLUMNS)
    try:
        data = json.loads(common.read_text(path))
    except json.JSONDecodeError as error:
        raise BadFile(f"GeoJSON invalide ou tronqué (ligne {error.lineno})") from error
    features = data.get("features") if isinstance(data, dict) else None
    if not features:
        raise BadFile("le GeoJSON ne contient aucune entité (features)")
    rows = []
    for feature in features:
        row = dict(feature.get("properties") or {})
        coordinates = (feature.get("geometry") or {}).get("coordinates") or [None, None]
        row["longitude"], row["latitude"] = coordinates[0], coordinates[1]
        rows.append(row)
    common.check_columns({key for row in rows for key in row}, REQUIRED_COLUMNS)
    return rows


def group_key(row: dict[str, Any]) -> list[str]:
    """Normalised (nom_org, adresse, commune) of a row."""
    return [normalise_label(str(row.get(k) or "")) for k in ("nom_org", "adresse", "commune")]


def group(raws: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Rows of the same place → one raw record ``{"cle": key, "lignes": rows}``."""
    places: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in raws:
        places.setdefault(tuple(group_key(row)), []).append(row)
    for key, rows in places.items():
        yield {"cle": list(key), "lignes": rows}


def read(path: Path) -> Iterator[dict[str, Any]]:
    """One raw record per place."""
    return group(read_rows(path))


def source_id(raw: dict[str, Any]) -> str:
    """Stable hash of the grouping key."""
    return common.stable_hash(*raw["cle"]) if raw.get("cle") and any(raw["cle"]) else ""


def _distinct(rows: list[dict[str, Any]], field: str) -> list[str]:
    return common.unique(" ".join(str(r.get(field) or "").split()) for r in rows if r.get(field))


def _set_hours(record: OfferRecord, rows: list[dict[str, Any]]) -> None:
    texts = [t for t in _distinct(rows, "horaires") if normalise_label(t) not in NO_HOURS]
    if len(texts) == 1:
        record.horaires = free_text_to_osm(texts[0])
    if record.horaires is None and texts:
        by_service = {}
        for row in rows:
            text = " ".join(str(row.get("horaires") or "").split())
            if text in texts:
                by_service.setdefault(text, []).append(str(row.get("service") or "").strip())
        record.horaires_texte = " ; ".join(
            f"{', '.join(services)} : {text}" if len(texts) > 1 else text
            for text, services in by_service.items()
        )
        record.fixes.append("horaires_non_reconnus")


def _set_services(record: OfferRecord, rows: list[dict[str, Any]]) -> None:
    slugs: list[str] = []
    unknown = False
    for row in rows:
        key = normalise_label(str(row.get("service") or ""))
        found = SERVICE_SLUGS.get(key)
        if found is None:
            unknown = unknown or bool(key)
            found = CATEGORY_SLUGS.get(normalise_label(str(row.get("categorie") or "")), ())
        slugs += found
    record.services = [s for s in SERVICES if s in set(slugs)]
    record.services_source = _distinct(rows, "service")
    common.fix(record, unknown, "service_inconnu")


def _set_access(record: OfferRecord, rows: list[dict[str, Any]]) -> None:
    conditions = {normalise_label(str(r.get("condition") or "")) for r in rows}
    if "acceslibre" in conditions:
        list_fields.add_modalites_acces(record, ["Se présenter"])
    if "accessurrdv" in conditions:
        record.prise_rdv = True
    modes = []
    for row in rows:
        assisted = str(row.get("assistance") or "").strip().lower() == "oui"
        if assisted:
            modes.append("Accompagnement individuel")
        elif normalise_label(str(row.get("categorie") or "")) in CATEGORY_SLUGS:
            modes.append("En autonomie")  # equipment access without assistance
        if "formationcourte" in normalise_label(str(row.get("format") or "")):
            modes.append("Dans un atelier collectif")
    list_fields.add_modalites_accompagnement(record, modes)


def _set_publics(record: OfferRecord, rows: list[dict[str, Any]]) -> None:
    publics = []
    for text in _distinct(rows, "public"):
        key = normalise_label(text)
        if "senior" in key:
            publics.append("Seniors")
        if "jeune" in key or "moinsde35ans" in key:
            publics.append("Jeunes")
        if "parent" in key:
            publics.append("Familles et/ou enfants")
    list_fields.add_publics(record, publics)


def _name(first: dict[str, Any]) -> tuple[object, bool]:
    """The organisation's name; without one, its web site's address (a real identifier
    of the place, better than dropping a place that has an address and contacts)."""
    if str(first.get("nom_org") or "").strip():
        return first.get("nom_org"), False
    site = str(first.get("site") or "").strip()
    domain = re.sub(r"^(https?://)?(www\.)?", "", site, flags=re.IGNORECASE).split("/")[0]
    return (domain, True) if "." in domain else (None, False)


def _map_pin(first: dict[str, Any]) -> tuple[str | None, str | None]:
    """(latitude, longitude) of the map's own pin, read from its itinerary link: used
    only for a row that the BAN columns left without coordinates."""
    found = _DESTINATION.search(str(first.get("trajet") or ""))
    return (found.group(1), found.group(2)) if found else (None, None)


def map_record(raw: dict[str, Any]) -> OfferRecord:
    """One grouped place → OfferRecord (Reject when unusable)."""
    rows = raw.get("lignes") or []
    first = rows[0] if rows else {}
    name, from_site = _name(first)
    record = common.new_record(SLUG, source_id(raw), name, raw)
    common.fix(record, from_site, "nom_depuis_site_web")
    common.set_address(record, first.get("adresse"))
    insee = first.get("result_citycode") if first.get("result_status", "ok") == "ok" else None
    common.set_commune(record, first.get("code_postal"), first.get("commune"), insee)
    latitude, longitude = first.get("latitude"), first.get("longitude")
    if latitude in (None, "") and longitude in (None, ""):
        latitude, longitude = _map_pin(first)
        common.fix(record, latitude is not None, "coordonnees_du_lien_itineraire")
    common.set_coordinates(record, latitude, longitude)
    common.split_commune_from_address(record)
    if record.latitude is not None:
        record.precision_source = BAN_PRECISION.get(str(first.get("result_type") or ""))
    for row in rows:
        common.add_phones(record, row.get("tel_fixe"), row.get("tel_mobile"))
        common.add_emails(record, row.get("mail"))
        common.add_urls(record, row.get("site"))
    record.fixes = common.unique(record.fixes)
    statuses = {normalise_label(s) for s in _distinct(rows, "statut_org")}
    typologies = [STATUS_TYPOLOGY[s] for s in statuses & STATUS_TYPOLOGY.keys()]
    list_fields.add_typologies(record, typologies)
    labels = [part for text in _distinct(rows, "label") for part in text.split(",")]
    list_fields.add_programmes(record, [p for p in labels if "france services" in p.lower()])
    _set_services(record, rows)
    _set_access(record, rows)
    _set_publics(record, rows)
    _set_hours(record, rows)
    details = [
        " ".join(f"{row.get('service')} : {row.get('commentaires')}".split())
        for row in rows
        if str(row.get("commentaires") or "").strip()
    ]
    common.set_text(record, "presentation_detail", " ; ".join(common.unique(details)))
    common.require_location(record)
    return record
