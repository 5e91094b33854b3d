"""The offers an export covers (active, filtered like the GeoJSON export), their permanences,
and pages of structures or services for the API."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from mapdir.offers.data_inclusion.mapping import (
    NAME_MIN,
    Skipped,
    Summary,
    build_services,
    build_structure,
    skip_reason,
)
from mapdir.offers.filters import Filters


@dataclass(frozen=True)
class Scope:
    """Which active offers: of a département (by their commune's), inside a bbox
    (minlon, minlat, maxlon, maxlat), matching the filters (services, programmes)."""

    departement: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    filters: Filters = Filters()

    def where_sql(self) -> tuple[str, dict[str, Any]]:
        where, params = self.filters.where_sql()
        clauses = ["o.statut = 'active'", where]
        if self.departement:
            clauses.append("c.departement = :departement")
            params["departement"] = self.departement
        if self.bbox:
            clauses.append("o.point && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)")
            params.update(zip(("x0", "y0", "x1", "y1"), self.bbox, strict=True))
        return " AND ".join(clauses), params


_OFFER_COLUMNS = """
    o.id, o.nom, o.pivot, o.typologie, o.adresse, o.complement_adresse, o.code_postal,
    o.commune_nom, c.nom AS commune_officielle, o.code_insee, ST_X(o.point) AS lon,
    ST_Y(o.point) AS lat, o.geo_precision, o.telephones, o.courriels, o.sites_web,
    o.horaires, o.services, o.publics, o.prise_en_charge, o.frais, o.modalites_acces,
    o.modalites_accompagnement, o.programmes, o.acceslibre_url, o.prise_rdv_url,
    o.presentation_resume, o.presentation_detail, o.date_maj, o.confirmed_at, o.updated_at
"""

# Active permanences of the offers and of the offers merged into them (a merge keeps both
# offers; the survivor answers for the stops of the other).
_PERMANENCES_SQL = """
SELECT coalesce(o0.fusionnee_dans, o0.id) AS offre_id, p.id, p.code_insee, p.commune_nom,
       p.lieu, p.adresse, p.horaires, ST_X(p.point) AS lon, ST_Y(p.point) AS lat
FROM permanence p JOIN offre o0 ON o0.id = p.offre_id
WHERE p.statut = 'active' AND coalesce(o0.fusionnee_dans, o0.id) = ANY(CAST(:ids AS bigint[]))
ORDER BY p.id
"""


def _offers(conn: Connection, scope: Scope, page: tuple[int, int] | None = None):
    where, params = scope.where_sql()
    limit = ""
    if page is not None:
        limit = "LIMIT :limit OFFSET :offset"
        params.update(limit=page[0], offset=page[1])
    sql = f"""
        SELECT {_OFFER_COLUMNS} FROM offre o LEFT JOIN commune c ON c.code = o.code_insee
        WHERE {where} ORDER BY o.id {limit}
    """
    return conn.execute(text(sql), params).mappings()


def _permanences(conn: Connection, offer_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    for row in conn.execute(text(_PERMANENCES_SQL), {"ids": offer_ids}).mappings():
        out.setdefault(row["offre_id"], []).append(dict(row))
    return out


def iter_records(
    conn: Connection, scope: Scope, base_url: str | None = None, summary: Summary | None = None
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """(structure, services) of every offer in scope, by offer id; offers that cannot make
    a valid record are left out and listed in ``summary.ignores`` with their reason."""
    summary = summary if summary is not None else Summary()
    batch: list[dict[str, Any]] = []
    for row in _offers(conn, scope):
        batch.append(dict(row))
        if len(batch) == 500:
            yield from _records(conn, batch, base_url, summary)
            batch = []
    yield from _records(conn, batch, base_url, summary)


def _records(conn, offers, base_url, summary):
    if not offers:
        return
    stops = _permanences(conn, [o["id"] for o in offers])
    for offer in offers:
        reason = skip_reason(offer)
        if reason:
            summary.ignores.append(Skipped(offer["id"], offer["nom"], reason))
            continue
        structure = build_structure(offer, base_url, summary)
        services = build_services(offer, stops.get(offer["id"], ()), base_url, summary)
        summary.structures += 1
        summary.services += len(services)
        yield structure, services


#: mapping.skip_reason in SQL: a name of at least NAME_MIN characters, blanks collapsed
NAME_OK_SQL = "length(regexp_replace(btrim({alias}.nom), '\\s+', ' ', 'g')) >= " + str(NAME_MIN)

# The services in scope, one row each: the offer's own (permanence NULL), then its stops'.
_SERVICE_ROWS_SQL = """
WITH chosen AS (
    SELECT o.id, o.nom FROM offre o LEFT JOIN commune c ON c.code = o.code_insee
    WHERE {where}
), rows AS (
    SELECT ch.id AS offre_id, NULL::bigint AS permanence_id FROM chosen ch
    WHERE {name_ok}
    UNION ALL
    SELECT ch.id, p.id FROM chosen ch
    JOIN offre o0 ON coalesce(o0.fusionnee_dans, o0.id) = ch.id
    JOIN permanence p ON p.offre_id = o0.id AND p.statut = 'active'
    WHERE {name_ok}
)
SELECT offre_id, permanence_id, count(*) OVER () AS total FROM rows
ORDER BY offre_id, permanence_id NULLS FIRST
LIMIT :limit OFFSET :offset
"""


@dataclass(frozen=True)
class Page:
    """One page of records, as data·inclusion's own API pages them."""

    items: list[dict[str, Any]]
    total: int
    page: int
    size: int

    def as_dict(self) -> dict[str, Any]:
        pages = -(-self.total // self.size) if self.total else 0
        return {
            "items": self.items,
            "total": self.total,
            "page": self.page,
            "size": self.size,
            "pages": pages,
        }


def structures_page(
    conn: Connection, scope: Scope, page: int, size: int, base_url: str | None = None
) -> Page:
    """Structures of page ``page`` (from 1) of ``size``; offers that cannot make a valid
    record (mapping.skip_reason) are not counted."""
    where, params = scope.where_sql()
    where += " AND " + NAME_OK_SQL.format(alias="o")
    total = conn.execute(
        text(f"SELECT count(*) FROM offre o LEFT JOIN commune c ON c.code = o.code_insee "
             f"WHERE {where}"),
        params,
    ).scalar_one()  # fmt: skip
    rows = conn.execute(
        text(
            f"SELECT {_OFFER_COLUMNS} FROM offre o LEFT JOIN commune c ON c.code = o.code_insee"
            f" WHERE {where} ORDER BY o.id LIMIT :limit OFFSET :offset"
        ),
        {**params, "limit": size, "offset": (page - 1) * size},
    ).mappings()
    items = [build_structure(dict(r), base_url) for r in rows]
    return Page(items, total, page, size)


def services_page(
    conn: Connection, scope: Scope, page: int, size: int, base_url: str | None = None
) -> Page:
    """Services of page ``page`` (from 1) of ``size``, in a stable order (offer, then its
    permanences)."""
    where, params = scope.where_sql()
    rows = conn.execute(
        text(_SERVICE_ROWS_SQL.format(where=where, name_ok=NAME_OK_SQL.format(alias="ch"))),
        {**params, "limit": size, "offset": (page - 1) * size},
    ).all()
    total = rows[0].total if rows else _count_services(conn, where, params)
    offer_ids = list(dict.fromkeys(r.offre_id for r in rows))
    offers = {
        o["id"]: dict(o)
        for o in conn.execute(
            text(
                f"SELECT {_OFFER_COLUMNS} FROM offre o LEFT JOIN commune c"
                " ON c.code = o.code_insee WHERE o.id = ANY(CAST(:ids AS bigint[]))"
            ),
            {"ids": offer_ids},
        ).mappings()
    }
    stops = {p["id"]: p for ps in _permanences(conn, offer_ids).values() for p in ps}
    items = []
    for r in rows:
        offer = offers[r.offre_id]
        if r.permanence_id is None:
            items.append(build_services(offer, (), base_url)[0])
        else:
            items.append(build_services(offer, [stops[r.permanence_id]], base_url)[1])
    return Page(items, total, page, size)


def _count_services(conn: Connection, where: str, params: dict[str, Any]) -> int:
    """The total when the page asked lies beyond the last one (no row to carry it)."""
    rows = conn.execute(
        text(_SERVICE_ROWS_SQL.format(where=where, name_ok=NAME_OK_SQL.format(alias="ch"))),
        {**params, "limit": 1, "offset": 0},
    ).all()
    return rows[0].total if rows else 0
