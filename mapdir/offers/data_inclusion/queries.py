"""The offers an export covers (active, filtered like the GeoJSON export), their permanences,
and pages of structures or services for the API."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Select, and_, cast, func, null, select, union_all
from sqlalchemy.engine import Connection

from mapdir.db.rows import any_of, lon_lat
from mapdir.db.tables import commune, offre, permanence
from mapdir.offers.data_inclusion.mapping import (
    NAME_MIN,
    Skipped,
    Summary,
    build_services,
    build_structure,
    skip_reason,
)
from mapdir.offers.filters import Filters
from mapdir.offers.left_out import left_out_of_export


@dataclass(frozen=True)
class Scope:
    """Which active offers: of a département (by their commune's), inside a bbox
    (minlon, minlat, maxlon, maxlat), matching the search's filters (mapdir.offers.filters)."""

    departement: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    filters: Filters = Filters()

    def where(self) -> list[ColumnElement[bool]]:
        """The conditions on ``offre`` and its commune (outer-joined: ``_WITH_COMMUNE``)."""
        return [*self.extent(), self.filters.clause()]

    def extent(self) -> list[ColumnElement[bool]]:
        """The conditions without the filters: active, of the département, in the bbox."""
        conditions = [_o.statut == "active"]
        if self.departement:
            conditions.append(_c.departement == self.departement)
        if self.bbox:
            conditions.append(_o.point.intersects(func.ST_MakeEnvelope(*self.bbox, 4326)))
        return conditions

    def left_out(self, conn: Connection, *extra: ColumnElement[bool]) -> dict[str, Any]:
        """``ecartes``: the offers of the extent (and of ``extra``) the filters left out for
        lack of information (mapdir.offers.left_out)."""
        return left_out_of_export(conn, self.filters, _WITH_COMMUNE, *self.extent(), *extra)


_o, _c, _p = offre.c, commune.c, permanence.c
_WITH_COMMUNE = offre.outerjoin(commune, _c.code == _o.code_insee)
_OFFER_COLUMNS = (
    *(_o[name] for name in ("id", "nom", "pivot", "typologie", "adresse", "complement_adresse")),
    _o.code_postal, _o.commune_nom, _c.nom.label("commune_officielle"), _o.code_insee,
    *lon_lat(_o.point), _o.geo_precision, _o.telephones, _o.courriels, _o.sites_web,
    _o.horaires, _o.services, _o.publics, _o.prise_en_charge, _o.frais, _o.modalites_acces,
    _o.modalites_accompagnement, _o.programmes, _o.acceslibre_url, _o.prise_rdv_url,
    _o.presentation_resume, _o.presentation_detail, _o.date_maj, _o.confirmed_at,
    _o.updated_at,
)  # fmt: skip


def _offers_where(*where: ColumnElement[bool]) -> Select[Any]:
    """The export's columns of the offers matching ``where``, by id."""
    return select(*_OFFER_COLUMNS).select_from(_WITH_COMMUNE).where(*where).order_by(_o.id)


def _survivor(o: Any) -> ColumnElement[int]:
    """The offer that answers for ``o``: itself, or the one it was merged into."""
    return func.coalesce(o.c.fusionnee_dans, o.c.id)


def _offers(conn: Connection, scope: Scope, page: tuple[int, int] | None = None):
    statement = _offers_where(*scope.where())
    if page is not None:
        statement = statement.limit(page[0]).offset(page[1])
    return conn.execute(statement).mappings()


def _permanences(conn: Connection, offer_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Active permanences of the offers and of the offers merged into them (a merge keeps
    both offers; the survivor answers for the stops of the other)."""
    o0 = offre.alias("o0")
    rows = conn.execute(
        select(_survivor(o0).label("offre_id"), _p.id, _p.code_insee, _p.commune_nom, _p.lieu,
               _p.adresse, _p.horaires, *lon_lat(_p.point))
        .join_from(permanence, o0, o0.c.id == _p.offre_id)
        .where(_p.statut == "active", any_of(_survivor(o0), offer_ids))
        .order_by(_p.id)
    )  # fmt: skip
    out: dict[int, list[dict[str, Any]]] = {}
    for row in rows.mappings():
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


def _name_ok(name: ColumnElement[str]) -> ColumnElement[bool]:
    """mapping.skip_reason in SQL: a name of at least NAME_MIN characters, blanks collapsed."""
    return func.length(func.regexp_replace(func.btrim(name), r"\s+", " ", "g")) >= NAME_MIN


def _service_rows(scope: Scope, limit: int, offset: int) -> Select[Any]:
    """The services in scope, one row each: the offer's own (permanence NULL), then its
    stops', with their total."""
    chosen = select(_o.id, _o.nom).select_from(_WITH_COMMUNE).where(*scope.where())
    chosen = chosen.cte("chosen")
    o0 = offre.alias("o0")
    own = select(chosen.c.id.label("offre_id"), cast(null(), BigInteger).label("permanence_id"))
    stops = select(chosen.c.id, _p.id).select_from(
        chosen.join(o0, _survivor(o0) == chosen.c.id).join(
            permanence, and_(_p.offre_id == o0.c.id, _p.statut == "active")
        )
    )
    rows = union_all(own.where(_name_ok(chosen.c.nom)), stops.where(_name_ok(chosen.c.nom))).cte(
        "rows"
    )
    return (
        select(rows.c.offre_id, rows.c.permanence_id, func.count().over().label("total"))
        .order_by(rows.c.offre_id, rows.c.permanence_id.nulls_first())
        .limit(limit)
        .offset(offset)
    )


@dataclass(frozen=True)
class Page:
    """One page of records, as data·inclusion's own API pages them."""

    items: list[dict[str, Any]]
    total: int
    page: int
    size: int
    ecartes: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        pages = -(-self.total // self.size) if self.total else 0
        return {
            "items": self.items,
            "total": self.total,
            "page": self.page,
            "size": self.size,
            "pages": pages,
            "ecartes": self.ecartes,
        }


def structures_page(
    conn: Connection, scope: Scope, page: int, size: int, base_url: str | None = None
) -> Page:
    """Structures of page ``page`` (from 1) of ``size``; offers that cannot make a valid
    record (mapping.skip_reason) are not counted."""
    where = [*scope.where(), _name_ok(_o.nom)]
    total = conn.execute(select(func.count()).select_from(_WITH_COMMUNE).where(*where)).scalar_one()
    rows = conn.execute(_offers_where(*where).limit(size).offset((page - 1) * size)).mappings()
    items = [build_structure(dict(r), base_url) for r in rows]
    return Page(items, total, page, size, scope.left_out(conn, _name_ok(_o.nom)))


def services_page(
    conn: Connection, scope: Scope, page: int, size: int, base_url: str | None = None
) -> Page:
    """Services of page ``page`` (from 1) of ``size``, in a stable order (offer, then its
    permanences)."""
    rows = conn.execute(_service_rows(scope, size, (page - 1) * size)).all()
    total = rows[0].total if rows else _count_services(conn, scope)
    offer_ids = list(dict.fromkeys(r.offre_id for r in rows))
    offers = {
        o["id"]: dict(o) for o in conn.execute(_offers_where(any_of(_o.id, offer_ids))).mappings()
    }
    stops = {p["id"]: p for ps in _permanences(conn, offer_ids).values() for p in ps}
    items = []
    for r in rows:
        offer = offers[r.offre_id]
        if r.permanence_id is None:
            items.append(build_services(offer, (), base_url)[0])
        else:
            items.append(build_services(offer, [stops[r.permanence_id]], base_url)[1])
    return Page(items, total, page, size, scope.left_out(conn, _name_ok(_o.nom)))


def _count_services(conn: Connection, scope: Scope) -> int:
    """The total when the page asked lies beyond the last one (no row to carry it)."""
    rows = conn.execute(_service_rows(scope, 1, 0)).all()
    return rows[0].total if rows else 0
