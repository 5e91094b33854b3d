"""The editable fields of an offer: labels, groups, vocabularies, and form parsing.

Values are kept in their JSON form everywhere in the editing package (history, overrides):
text or None, booleans, lists of strings, and the point as ``{"lon": x, "lat": y}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mapdir.hours.osm import validate_osm
from mapdir.offers import vocab
from mapdir.text import ascii_float


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str  # text, textarea, lines, choices, bool, hours, point
    options: tuple[tuple[str, str], ...] = ()
    required: bool = False


def _opts(values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((v, v) for v in values)


GROUPS: tuple[tuple[str, tuple[Field, ...]], ...] = (
    (
        "Identité",
        (
            Field("nom", "Nom", "text", required=True),
            Field("pivot", "SIRET / identifiant pivot", "text"),
            Field(
                "typologie", "Typologie de structure", "choices", tuple(vocab.TYPOLOGIES.items())
            ),
            Field("presentation_resume", "Présentation (résumé)", "textarea"),
            Field("presentation_detail", "Présentation (détail)", "textarea"),
        ),
    ),
    (
        "Adresse et position",
        (
            Field("adresse", "Adresse", "text"),
            Field("complement_adresse", "Complément d'adresse", "text"),
            Field("code_postal", "Code postal", "text"),
            Field("commune_nom", "Commune", "text"),
            Field("code_insee", "Code INSEE de la commune", "text", required=True),
            Field("point", "Position (latitude, longitude)", "point"),
        ),
    ),
    (
        "Contact",
        (
            Field("telephones", "Téléphones (un par ligne)", "lines"),
            Field("courriels", "Courriels (un par ligne)", "lines"),
            Field("sites_web", "Sites web (un par ligne)", "lines"),
        ),
    ),
    (
        "Horaires",
        (
            Field("horaires", "Horaires (syntaxe OpenStreetMap)", "hours"),
            Field("horaires_texte", "Horaires en texte libre", "textarea"),
        ),
    ),
    (
        "Services et publics",
        (
            Field("services", "Services", "choices", tuple(vocab.SERVICES.items())),
            Field("publics", "Publics accueillis", "choices", _opts(vocab.PUBLICS)),
            Field(
                "prise_en_charge",
                "Prise en charge spécifique",
                "choices",
                _opts(vocab.PRISE_EN_CHARGE),
            ),
            Field("frais", "Frais", "choices", _opts(vocab.FRAIS)),
            Field("modalites_acces", "Modalités d'accès", "choices", _opts(vocab.MODALITES_ACCES)),
            Field(
                "modalites_accompagnement",
                "Modalités d'accompagnement",
                "choices",
                _opts(vocab.MODALITES_ACCOMPAGNEMENT),
            ),
            Field("programmes", "Dispositifs / programmes", "choices", _opts(vocab.PROGRAMMES)),
            Field("itinerance", "Itinérance", "choices", _opts(vocab.ITINERANCE)),
        ),
    ),
    (
        "Rendez-vous et accessibilité",
        (
            Field("prise_rdv", "Sur rendez-vous", "bool"),
            Field("prise_rdv_url", "Lien de prise de rendez-vous", "text"),
            Field("acceslibre_url", "Fiche Acceslibre", "text"),
            Field("commentaire", "Commentaire", "textarea"),
        ),
    ),
)

FIELDS: dict[str, Field] = {f.name: f for _group, fields in GROUPS for f in fields}
# the offer's columns behind the editable fields (the point is a geometry)
COLUMN_FIELDS = tuple(name for name in FIELDS if name != "point")
ADDRESS_FIELDS = ("adresse", "code_postal", "code_insee")
MAX_TEXT = 5000
# list fields (phones, e-mails, web sites): 10,000 web sites of 1 kB once made a 20 MB page
MAX_ITEMS = 20
MAX_ITEM_CHARS = 500
TOO_MANY_ITEMS = f"Au plus {MAX_ITEMS} lignes de {MAX_ITEM_CHARS} caractères chacune."


def label_of(name: str) -> str:
    if name == "statut":
        return "Statut"
    if name == "confirmed_at":
        return "Confirmée à jour le"
    if name.startswith("permanence:"):
        return f"Permanence n° {name.split(':', 1)[1]}"
    field = FIELDS.get(name)
    return field.label if field else name


def normalised(name: str, value: Any) -> Any:
    """A field's value in the form compared to decide whether it changed: multi-valued fields
    as sets (a source's "France Services, Aidants Connect" is the form's "Aidants Connect,
    France Services"), texts stripped with "" as None, points to the form's 6 decimals."""
    field = FIELDS.get(name)
    kind = field.kind if field else None
    if kind in ("lines", "choices"):
        items = value if isinstance(value, list | tuple | set | frozenset) else [value]
        return frozenset(str(v).strip() for v in items if v is not None and str(v).strip())
    if kind in ("text", "textarea", "hours"):
        return _text(value) if isinstance(value, str) or value is None else value
    if kind == "point" and isinstance(value, dict) and {"lon", "lat"} <= set(value):
        return (round(float(value["lon"]), 6), round(float(value["lat"]), 6))
    return value


def same_value(name: str, a: Any, b: Any) -> bool:
    """Whether two values of field ``name`` say the same thing (see ``normalised``)."""
    return normalised(name, a) == normalised(name, b)


def _text(raw: str | None) -> str | None:
    value = (raw or "").replace("\r\n", "\n").strip()
    return value or None


def _float(raw: str | None) -> float | None:
    """A decimal number written with ASCII digits ("٣" or "nan" are not coordinates)."""
    try:
        return ascii_float((raw or "").replace(",", "."))
    except ValueError:
        return None


def _too_long(items: list[str]) -> bool:
    return len(items) > MAX_ITEMS or any(len(item) > MAX_ITEM_CHARS for item in items)


def parse_offer_form(form: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Form data (a werkzeug MultiDict) → (values by field, French errors by field).

    Every field of ``FIELDS`` gets a value, so a missing checkbox list means "none ticked".
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    getlist = form.getlist  # type: ignore[attr-defined]
    for name, field in FIELDS.items():
        if field.kind in ("text", "textarea", "hours"):
            value = _text(form.get(name))
            if value and len(value) > MAX_TEXT:
                errors[name] = f"Texte trop long (au plus {MAX_TEXT} caractères)."
            values[name] = value
        elif field.kind == "lines":
            lines = [line.strip() for line in (form.get(name) or "").splitlines()]
            values[name] = list(dict.fromkeys(line for line in lines if line))
            if _too_long(values[name]):
                errors[name] = TOO_MANY_ITEMS
        elif field.kind == "choices":
            allowed = [key for key, _label in field.options]
            picked = set(getlist(name))
            unknown = picked - set(allowed)
            if unknown:
                errors[name] = "Valeur hors du vocabulaire national : " + ", ".join(sorted(unknown))
            values[name] = [key for key in allowed if key in picked]
        elif field.kind == "bool":
            values[name] = {"oui": True, "non": False}.get(form.get(name) or "")
        elif field.kind == "point":
            lat, lon = _float(form.get("latitude")), _float(form.get("longitude"))
            if (form.get("latitude") or form.get("longitude")) and (lat is None or lon is None):
                errors[name] = "Latitude et longitude doivent être des nombres."
            elif lat is not None and lon is not None:
                if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                    errors[name] = "Position hors limites."
                values[name] = {"lon": round(lon, 6), "lat": round(lat, 6)}
            else:
                values[name] = None
    if not values.get("nom"):
        errors["nom"] = "Le nom est obligatoire."
    if values.get("horaires") and not validate_osm(values["horaires"]):
        errors["horaires"] = (
            "Horaires illisibles : utilisez la syntaxe OpenStreetMap, "
            "par exemple « Mo-Fr 09:00-12:00,14:00-17:00 »."
        )
    code = values.get("code_postal")
    if code and not (len(code) == 5 and code.isascii() and code.isdigit()):
        errors["code_postal"] = "Le code postal compte 5 chiffres."
    if not values.get("code_insee"):
        errors["code_insee"] = "Le code INSEE de la commune est obligatoire."
    return values, errors


def check_json_values(values: Mapping[str, Any]) -> dict[str, str]:
    """French errors for values given in JSON form (the JSON endpoint); empty when valid."""
    errors: dict[str, str] = {}
    for name, value in values.items():
        field = FIELDS.get(name)
        if field is None:
            errors[name] = "Champ inconnu."
        elif field.kind in ("text", "textarea", "hours"):
            if value is not None and (not isinstance(value, str) or len(value) > MAX_TEXT):
                errors[name] = "Texte attendu (5000 caractères au plus)."
        elif field.kind in ("lines", "choices"):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                errors[name] = "Liste de textes attendue."
            elif _too_long(value):
                errors[name] = TOO_MANY_ITEMS
            elif field.kind == "choices" and set(value) - {k for k, _l in field.options}:
                errors[name] = "Valeur hors du vocabulaire national."
        elif field.kind == "bool":
            if value is not None and not isinstance(value, bool):
                errors[name] = "Booléen attendu."
        elif field.kind == "point" and value is not None:
            ok = isinstance(value, dict) and set(value) == {"lon", "lat"}
            ok = ok and all(isinstance(value[k], int | float) for k in ("lon", "lat"))
            if not ok or not (-90 <= value["lat"] <= 90 and -180 <= value["lon"] <= 180):
                errors[name] = 'Position attendue : {"lon": x, "lat": y}.'
    if "nom" in values and not values["nom"]:
        errors["nom"] = "Le nom est obligatoire."
    if "code_insee" in values and not values["code_insee"]:
        errors["code_insee"] = "Le code INSEE de la commune est obligatoire."
    if "horaires" not in errors and values.get("horaires"):
        if not validate_osm(values["horaires"]):
            errors["horaires"] = "Horaires illisibles : utilisez la syntaxe OpenStreetMap."
    return errors
