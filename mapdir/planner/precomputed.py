"""The communes' accessibility precomputed for the OGC API (table ``accessibilite_commune``,
view ``ogc.communes``, migration 0012).

pygeoapi publishes database views, and the accessibility (E2SFCA) is computed in Python:
``refresh`` runs the very computation of ``/api/v1/accessibilite`` (``compute`` and
``commune_rows``) for the site's default planner parameters, in each travel mode, and
stores one row per (commune, mode) with the parameters used and ``calcule_le``. It runs at
the end of ``mapdir etl run``, after ``mapdir geo import`` (geography, indicators) and on
demand (``mapdir planner rafraichir``); edits and plan confirmations show at the next
refresh (docs/decisions/0024-precomputed-accessibility-for-ogc.md).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, insert, or_, select, text
from sqlalchemy.engine import Connection, Engine

from mapdir.config import Settings
from mapdir.db.tables import accessibilite_commune, commune
from mapdir.geo.indicators import indicators_in_force
from mapdir.geo.travel import MODES
from mapdir.planner import territories
from mapdir.planner.access_report import commune_rows
from mapdir.planner.accessibility import CLASSES, compute, parametres
from mapdir.planner.parameters import parse_request

#: one refresh at a time (two would insert the same rows)
LOCK_KEY = "mapdir.accessibilite_commune"
_PLURAL = {"zone_blanche": "zones blanches", "sous_dotee": "sous-dotées", "dotee": "dotées"}
_SINGULAR = {"zone_blanche": "zone blanche", "sous_dotee": "sous-dotée", "dotee": "dotée"}


@dataclass
class ModeFigures:
    """What one mode gave in one département: its threshold and the communes per class."""

    mode_libelle: str
    seuil_min: float
    classes: dict[str, int]


@dataclass
class Refreshed:
    """The départements refreshed, their figures per mode, when and how long it took."""

    calcule_le: datetime | None = None
    seconds: float = 0.0
    departements: dict[str, str] = field(default_factory=dict)  # code → name
    communes: dict[str, int] = field(default_factory=dict)
    figures: dict[str, dict[str, ModeFigures]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """One French line per département (or one saying there was nothing to do)."""
        if not self.departements:
            return [
                "Accessibilité précalculée : aucun département dont les contours des communes "
                "sont importés, rien à calculer."
            ]
        when = self.calcule_le.strftime("%d/%m/%Y %H:%M %Z").strip() if self.calcule_le else ""
        seconds = f"{self.seconds:.1f}".replace(".", ",")
        out = []
        for code, nom in self.departements.items():
            modes = " ; ".join(
                f"{f.mode_libelle} ({f.seuil_min:g} min) : "
                + ", ".join(_count(n, name) for name, n in f.classes.items())
                for f in self.figures[code].values()
            )
            out.append(
                f"Accessibilité précalculée pour {nom} ({code}) : {self.communes[code]} "
                f"communes ; {modes} — calculée le {when} ({seconds} s)."
            )
        return out


def _count(n: int, name: str) -> str:
    return f"{n} {(_SINGULAR if n <= 1 else _PLURAL)[name]}"


def departements_shown(conn: Connection) -> list[str]:
    """The départements whose communes have their outline (those ogc.communes shows)."""
    return list(
        conn.execute(
            select(commune.c.departement)
            .distinct()
            .where(commune.c.geom.is_not(None), commune.c.departement.is_not(None))
            .order_by(commune.c.departement)
        ).scalars()
    )


def refresh(engine: Engine, settings: Settings, departements: list[str] | None = None) -> Refreshed:
    """Recompute and store the accessibility of the communes of `departements` (default:
    every département shown by ogc.communes) in every mode, in one transaction.
    NotFound/InvalidParameter (French) for a département unknown or without outlines."""
    started = time.perf_counter()
    out = Refreshed()
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": LOCK_KEY})
        codes = (
            [(d or "").strip().upper() for d in departements]
            if departements
            else departements_shown(conn)
        )
        for code in codes:
            out.departements[code] = territories.check_departement(conn, code)
        out.calcule_le = conn.execute(select(func.date_trunc("second", func.now()))).scalar_one()
        indicateurs = indicators_in_force(conn)
        for code in codes:
            rows = []
            out.figures[code] = {}
            for mode in MODES:
                comp = compute(conn, parse_request({"departement": code, "mode": mode}, settings))
                params = parametres(comp, indicateurs)
                found = commune_rows(comp)
                rows.extend(_row(r, code, mode, params, out.calcule_le) for r in found)
                out.figures[code][mode] = ModeFigures(
                    params["mode_libelle"],
                    params["seuil_min"],
                    {name: sum(r["classe"] == name for r in found) for name in CLASSES},
                )
                out.communes[code] = len(found)
            table = accessibilite_commune
            in_dep = select(commune.c.code).where(commune.c.departement == code)
            conn.execute(
                delete(table).where(
                    or_(table.c.departement == code, table.c.code_insee.in_(in_dep))
                )
            )
            if rows:
                conn.execute(insert(table), rows)
    out.seconds = time.perf_counter() - started
    return out


def _row(r: dict, code: str, mode: str, params: dict, when: datetime) -> dict:
    return {
        "code_insee": r["code"],
        "mode": mode,
        "departement": code,
        "besoin_ponderation": params["besoin"],
        "besoin": r["besoin"],
        "besoin_estime": r["besoin_estime"],
        "accessibilite": r["accessibilite"],
        "classe": r["classe"],
        "offres_a_portee": r["offres_a_portee"],
        "duree_min_plus_proche": r["duree_min_plus_proche"],
        "offre_plus_proche": r["offre_plus_proche"],
        "seuil_min": params["seuil_min"],
        "parametres": params,
        "calcule_le": when,
    }
