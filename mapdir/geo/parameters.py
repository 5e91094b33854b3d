"""Parameters and answers of /api/v1/communes (autocomplete, postcode lookup), declared once
(mapdir.params) for validation and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, model_validator

from mapdir.errors import InvalidParameter
from mapdir.params import Params, integer, text


class CommunesParams(Params):
    """GET /api/v1/communes: ``code_postal``, or ``q`` (then ``limite``)."""

    code_postal: text("Code postal (5 chiffres).", keep_blank=True) = None
    q: text("Début du nom de la commune (2 lettres au moins).", keep_blank=True) = None
    limite: integer(1, 50, "Nombre de communes (1–50), avec « q ».") = 10

    @model_validator(mode="before")
    @classmethod
    def _need_one(cls, values: dict) -> dict:
        if "code_postal" not in values and "q" not in values:
            raise InvalidParameter(
                "Indiquez « code_postal » (ex. 87400) ou « q » (début du nom de la commune).",
                parametre="code_postal",
            )
        return values


class CommuneResume(BaseModel):
    code: str
    nom: str
    departement: str
    population: int | None = None
    point: dict[str, Any] | None = None


class Communes(BaseModel):
    """Communes of a postcode, or whose name starts with « q »."""

    communes: list[CommuneResume]
    nombre: int


class Commune(BaseModel):
    """One commune with its EPCI, canton and postcodes."""

    code: str
    nom: str
    departement: str
    departement_nom: str | None = None
    region: str | None = None
    population: int | None = None
    codes_postaux: list[str]
    epci: dict[str, Any] | None = None
    canton: dict[str, Any] | None = None
    point: dict[str, Any] | None = None
    a_contour: bool
