"""Queries on the reference geography: postcode → communes, name search, one commune."""

from __future__ import annotations

import re
from typing import Any

from geoalchemy2 import Geography
from sqlalchemy import case, cast, func, nulls_last, or_, select
from sqlalchemy.engine import Connection

from mapdir.db.rows import lon_lat, wgs84_point
from mapdir.db.tables import canton, code_postal, commune, commune_code_ancien, departement, epci
from mapdir.errors import InvalidParameter, NotFound
from mapdir.text import normalize_name

POSTCODE_RE = re.compile(r"^[0-9]{5}$")  # ASCII digits only (\d takes "٣")
INSEE_RE = re.compile(r"^([0-9]{5}|2[AB][0-9]{3})$")

c = commune.c
_COMMUNE_COLUMNS = (
    c.code,
    c.nom,
    c.population,
    c.departement,
    c.type,
    c.commune_parente,
    *lon_lat(c.point),
)


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
        select(*_COMMUNE_COLUMNS)
        .join_from(code_postal, commune, c.code == code_postal.c.code_insee)
        .where(code_postal.c.code_postal == postcode)
        .order_by(
            (c.type == "arrondissement-municipal").desc(), nulls_last(c.population.desc()), c.nom
        )
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
    name, prefix, word = c.nom_recherche, needle + "%", "% " + needle + "%"
    ranked = (
        select(
            *_COMMUNE_COLUMNS,
            case((name == needle, 0), (name.like(prefix), 1), (name.like(word), 2), else_=3).label(
                "rang"
            ),
            func.similarity(name, needle).label("sim"),
        )
        .where(or_(name.like(prefix), name.like(word), name.op("%")(needle)))
        .subquery("ranked")
    )
    r = ranked.c
    # the postcodes people know (the autocomplete shows them rather than INSEE codes), read
    # for the chosen rows only
    postcodes = (
        select(func.array_agg(code_postal.c.code_postal))
        .where(code_postal.c.code_insee == r.code)
        .scalar_subquery()
        .label("codes_postaux")
    )
    rows = conn.execute(
        select(ranked, postcodes)
        .order_by(
            r.rang,
            case((r.rang == 3, -r.sim)),
            nulls_last(r.population.desc()),
            r.code,
        )
        .limit(limit)
    ).all()
    return [_summary(r) | {"codes_postaux": sorted(set(r.codes_postaux or ()))} for r in rows]


def commune_detail(conn: Connection, code: str) -> dict[str, Any]:
    """One commune with its EPCI, canton, postcodes; an old code resolves to the current one."""
    code = validate_insee(code)
    current = (
        select(commune_code_ancien.c.code_actuel)
        .where(commune_code_ancien.c.code_ancien == code)
        .scalar_subquery()
    )
    row = conn.execute(
        select(
            *_COMMUNE_COLUMNS,
            c.region,
            c.epci,
            epci.c.nom.label("epci_nom"),
            epci.c.type.label("epci_type"),
            c.canton,
            canton.c.nom.label("canton_nom"),
            departement.c.nom.label("departement_nom"),
            c.geom.is_not(None).label("a_contour"),
            c.point_source,
        )
        .select_from(
            commune.outerjoin(epci, epci.c.siren == c.epci)
            .outerjoin(canton, canton.c.code == c.canton)
            .outerjoin(departement, departement.c.code == c.departement)
        )
        .where(c.code == func.coalesce(current, code))
    ).one_or_none()
    if row is None:
        raise NotFound(f"Aucune commune n'a le code {code}.", parametre="code")
    postcodes = conn.execute(
        select(code_postal.c.code_postal)
        .where(code_postal.c.code_insee == row.code)
        .order_by(code_postal.c.code_postal)
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
    return conn.execute(select(c.code, c.nom, *lon_lat(c.point)).where(c.code == code)).first()


def commune_covering(conn: Connection, lon: float, lat: float) -> str | None:
    """The code of the commune whose polygon covers the point (None: no polygon there)."""
    return conn.execute(
        select(c.code)
        .where(c.geom.is_not(None), func.ST_Covers(c.geom, wgs84_point(lon, lat)))
        .limit(1)
    ).scalar_one_or_none()


def km_from_commune(conn: Connection, code: str, lon: float, lat: float) -> tuple[float, bool]:
    """(distance in km from the point to the commune, whether measured to its polygon: else
    to its reference point); (inf, False) for an unknown commune or one without a point."""
    metres = func.ST_Distance(
        cast(func.coalesce(c.geom, c.point), Geography), cast(wgs84_point(lon, lat), Geography)
    )
    row = conn.execute(
        select((metres / 1000).label("km"), c.geom.is_not(None).label("polygon")).where(
            c.code == code
        )
    ).first()
    if row is None or row.km is None:
        return float("inf"), False
    return float(row.km), bool(row.polygon)
