"""Search filters: the values a prescriber picks (services, publics, fees, programmes…),
already mapped to stored values, and their SQL conditions on ``offre o``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Filters:
    """Filter values already mapped to stored values: slugs for services, labels otherwise.

    Within one filter any listed value matches (overlap); different filters all apply.
    """

    services: tuple[str, ...] = ()
    publics: tuple[str, ...] = ()
    prise_en_charge: tuple[str, ...] = ()
    gratuit: bool = False
    modalites_accompagnement: tuple[str, ...] = ()
    modalites_acces: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    ouvert: datetime | None = None

    def where_sql(self, driver: bool = False) -> tuple[str, dict[str, Any]]:
        """SQL conditions on ``offre o`` (index-friendly array operators) and their params;
        ``driver``: psycopg placeholders (``%(name)s``) instead of SQLAlchemy's (``:name``)."""
        clauses, params = [], {}
        for name, column in (
            ("services", "services"),
            ("publics", "publics"),
            ("prise_en_charge", "prise_en_charge"),
            ("modalites_accompagnement", "modalites_accompagnement"),
            ("modalites_acces", "modalites_acces"),
            ("programmes", "programmes"),
        ):
            values = getattr(self, name)
            if values:
                placeholder = f"%(f_{name})s" if driver else f":f_{name}"
                clauses.append(f"o.{column} && CAST({placeholder} AS text[])")
                params[f"f_{name}"] = list(values)
        if self.gratuit:
            clauses.append("o.frais @> ARRAY['Gratuit']::text[]")
        return (" AND ".join(clauses) or "TRUE"), params
