"""Queries on the reference geography: postcode → communes, name search, one commune."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from mapdir.errors import InvalidParameter, NotFound
from mapdir.text import normalize_name

POSTCODE_RE = re.compile(r"^\d{5}$")
INSEE_RE = re.compile(r"^(\d{5}|2[AB]\d{3})$")

_COMMUNE_COLUMNS = """
    c.code, c.nom, c.population, c.departement, c.type, c.commune_parente,
    ST_X(c.point) AS lon, ST_Y(c.point) AS lat
"""


def _point(row: Any) -> dict[str, Any] | None:
    if row.lon is None:
        return None
    return {"type": "Point", "coordinates": [round(row.lon, 6), round(row.lat, 6)]}


def _summary(row: Any) -> dict[str, Any]:
    out = {
        "code": row.code,
        "nom": row.nom,
        "population": row.population,
        "departement": row.departement,
        "point": _point(row),
    }
    if row.type == "arrondissement-municipal":
        out["commune_parente"] = row.commune_parente
    return out


def validate_postcode(value: str | None) -> str:
    value = (value or "").strip()
    if not POSTCODE_RE.match(value):
        raise InvalidParameter(
            f"Code postal invalide : « {value} ». Un code postal compte 5 chiffres (ex. 87400).",
            parametre="code_postal",
        )
    return value


def validate_insee(value: str | None) -> str:
    value = (value or "").strip().upper()
    if not INSEE_RE.match(value):
        raise InvalidParameter(
            f"Code commune (INSEE) invalide : « {value} ». "
            "Il compte 5 caractères (ex. 87085, 2A004).",
            parametre="code_commune",
        )
    return value


def communes_by_postcode(conn: Connection, postcode: str) -> list[dict[str, Any]]:
    """Every commune served by a postcode, most populated first.

    Marseille, Lyon and Paris postcodes resolve to their municipal arrondissement first
    (e.g. 13011 → 13211 Marseille 11e Arrondissement, with ``commune_parente`` 13055), then
    to the commune itself (13055 Marseille), since the COG lists every postcode of the city
    on the commune too: the arrondissement is the precise answer, the commune follows.
    """
    postcode = validate_postcode(postcode)
    rows = conn.execute(
        text(
            f"""
            SELECT {_COMMUNE_COLUMNS}
            FROM code_postal cp JOIN commune c ON c.code = cp.code_insee
            WHERE cp.code_postal = :cp
            ORDER BY (c.type = 'arrondissement-municipal') DESC,
                     c.population DESC NULLS LAST, c.nom
            """
        ),
        {"cp": postcode},
    ).all()
    if not rows:
        raise NotFound(
            f"Aucune commune ne porte le code postal {postcode}.", parametre="code_postal"
        )
    return [_summary(r) for r in rows]


def search_communes(conn: Connection, q: str | None, limit: int = 10) -> list[dict[str, Any]]:
    """Accent- and case-insensitive name search ranked for autocomplete.

    Rank: exact name, then prefix of the name, then a word of the name starting with the
    query, then trigram similarity; population breaks ties.
    """
    raw = (q or "").strip()
    if POSTCODE_RE.match(raw):
        return communes_by_postcode(conn, raw)
    needle = normalize_name(raw)
    if len(needle) < 2:
        raise InvalidParameter(
            "Tapez au moins 2 lettres du nom de la commune.", parametre="q", detail={"q": raw}
        )
    if not 1 <= limit <= 50:
        raise InvalidParameter("« limite » doit être compris entre 1 et 50.", parametre="limite")
    rows = conn.execute(
        text(
            f"""
            SELECT * FROM (
                SELECT {_COMMUNE_COLUMNS},
                    CASE WHEN c.nom_recherche = :q THEN 0
                         WHEN c.nom_recherche LIKE :prefix THEN 1
                         WHEN c.nom_recherche LIKE :word THEN 2
                         ELSE 3 END AS rang,
                    similarity(c.nom_recherche, :q) AS sim
                FROM commune c
                WHERE c.nom_recherche LIKE :prefix OR c.nom_recherche LIKE :word
                   OR c.nom_recherche % :q
            ) ranked
            ORDER BY rang, CASE WHEN rang = 3 THEN -sim END, population DESC NULLS LAST, code
            LIMIT :limit
            """
        ),
        {"q": needle, "prefix": needle + "%", "word": "% " + needle + "%", "limit": limit},
    ).all()
    return [_summary(r) for r in rows]


def commune_detail(conn: Connection, code: str) -> dict[str, Any]:
    """One commune with its EPCI, canton, postcodes; an old code resolves to the current one."""
    code = validate_insee(code)
    row = conn.execute(
        text(
            f"""
            SELECT {_COMMUNE_COLUMNS}, c.region, c.epci, e.nom AS epci_nom, e.type AS epci_type,
                c.canton, k.nom AS canton_nom, d.nom AS departement_nom,
                c.geom IS NOT NULL AS a_contour, c.point_source
            FROM commune c
            LEFT JOIN epci e ON e.siren = c.epci
            LEFT JOIN canton k ON k.code = c.canton
            LEFT JOIN departement d ON d.code = c.departement
            WHERE c.code = COALESCE(
                (SELECT code_actuel FROM commune_code_ancien WHERE code_ancien = :code), :code)
            """
        ),
        {"code": code},
    ).one_or_none()
    if row is None:
        raise NotFound(f"Aucune commune n'a le code {code}.", parametre="code")
    postcodes = conn.execute(
        text("SELECT code_postal FROM code_postal WHERE code_insee = :c ORDER BY code_postal"),
        {"c": row.code},
    ).scalars()
    out = _summary(row)
    out.update(
        {
            "region": row.region,
            "departement_nom": row.departement_nom,
            "epci": {"siren": row.epci, "nom": row.epci_nom, "type": row.epci_type}
            if row.epci
            else None,
            "canton": {"code": row.canton, "nom": row.canton_nom} if row.canton else None,
            "codes_postaux": list(postcodes),
            "a_contour": row.a_contour,
            "source_point": row.point_source,
        }
    )
    if row.code != code:
        out["code_demande"] = code
        out["note"] = f"Le code {code} est un ancien code : la commune actuelle est {row.code}."
    return out


def commune_ref(conn: Connection, code: str | None) -> Any:
    """(code, nom, lon, lat) of one commune, or None."""
    if not code:
        return None
    return conn.execute(
        text(
            "SELECT code, nom, ST_X(point) AS lon, ST_Y(point) AS lat FROM commune WHERE code = :c"
        ),
        {"c": code},
    ).first()


def commune_covering(conn: Connection, lon: float, lat: float) -> str | None:
    """The code of the commune whose polygon covers the point (None: no polygon there)."""
    return conn.execute(
        text(
            "SELECT code FROM commune WHERE geom IS NOT NULL"
            " AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) LIMIT 1"
        ),
        {"lon": lon, "lat": lat},
    ).scalar_one_or_none()


def km_from_commune(conn: Connection, code: str, lon: float, lat: float) -> tuple[float, bool]:
    """(distance in km from the point to the commune, whether measured to its polygon: else
    to its reference point); (inf, False) for an unknown commune or one without a point."""
    row = conn.execute(
        text(
            "SELECT ST_Distance(COALESCE(geom, point)::geography,"
            " ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography) / 1000 AS km,"
            " geom IS NOT NULL AS polygon FROM commune WHERE code = :c"
        ),
        {"c": code, "lon": lon, "lat": lat},
    ).first()
    if row is None or row.km is None:
        return float("inf"), False
    return float(row.km), bool(row.polygon)
