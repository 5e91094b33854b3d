"""Where an edited offer or permanence may be placed (issue 19, finding 6): in the editor's
territory, and an offer's point in the offer's commune, or the commune follows the point.

Checked on the server for every edit that moves a pin or changes a commune (web form, JSON,
spreadsheet import), with the tolerances of the import (etl/resolve.py): a point may stray
5 km outside its commune's polygon, or 30 km from the commune's point when its polygon was
not imported.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from mapdir.editing.accounts import User
from mapdir.editing.permissions import commune_in_scope
from mapdir.errors import Forbidden, InvalidParameter
from mapdir.geo.services import commune_covering, commune_ref, km_from_commune

MAX_KM_OUTSIDE_POLYGON = 5.0
MAX_KM_FROM_COMMUNE_POINT = 30.0
OUT_OF_TERRITORY = "Cette commune est hors de votre territoire."


def require_in_territory(conn: Connection, user: User, code_insee: str | None) -> None:
    if not commune_in_scope(conn, user, code_insee):
        raise Forbidden(OUT_OF_TERRITORY)


def place_offer(
    conn: Connection,
    user: User,
    code_insee: str,
    point: dict[str, float] | None,
    *,
    follow: bool,
) -> Any:
    """The commune (``commune_ref`` row) an offer at ``point`` belongs to: ``code_insee``,
    or, when ``follow`` (a pin moved by hand, the commune untouched), the commune whose
    polygon holds the point. Raises InvalidParameter when the point is too far from the
    commune, Forbidden when the commune is outside the editor's territory."""
    code = code_insee
    if point is not None:
        covering = commune_covering(conn, point["lon"], point["lat"])
        if follow and covering is not None:
            code = covering
        elif covering != code:
            km, to_polygon = km_from_commune(conn, code, point["lon"], point["lat"])
            limit = MAX_KM_OUTSIDE_POLYGON if to_polygon else MAX_KM_FROM_COMMUNE_POINT
            if km > limit:
                commune = commune_ref(conn, code)
                name = f"{commune.nom} ({code})" if commune else code
                raise InvalidParameter(
                    f"La position indiquée est à {km:.0f} km de la commune {name} : placez"
                    " le point dans la commune, ou changez de commune.",
                    parametre="point",
                )
    require_in_territory(conn, user, code)
    commune = commune_ref(conn, code)
    if commune is None:
        raise InvalidParameter("Code INSEE inconnu.", parametre="code_insee")
    return commune
