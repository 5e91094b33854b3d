"""Small building blocks of the Core statements that read and write plain rows."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Table, Text, any_, cast, column, exists, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import TableValuedAlias
from sqlalchemy.types import TypeEngine


def exists_row(conn: Connection, *where: ColumnElement[bool]) -> bool:
    """Whether some row matches ``where`` (one ``SELECT EXISTS`` round trip)."""
    return conn.execute(select(exists().where(*where))).scalar_one()


def any_of(column: ColumnElement[Any], values: Iterable[Any]) -> ColumnElement[bool]:
    """``column = ANY(:values)``: one array parameter however many values (an IN list
    would bind one parameter per value, and change the statement's text with their count)."""
    return column == any_(literal(list(values), ARRAY(column.type)))


def wgs84_point(lon: Any, lat: Any) -> ColumnElement[Any]:
    """A PostGIS point in WGS 84 from a longitude and a latitude (values or columns)."""
    return func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)


def lon_lat(point: ColumnElement[Any]) -> tuple[ColumnElement[float], ColumnElement[float]]:
    """A point's longitude and latitude, labelled ``lon`` and ``lat``."""
    return func.ST_X(point).label("lon"), func.ST_Y(point).label("lat")


def jsonb(value: Any) -> ColumnElement[Any]:
    """A Python value bound as ``jsonb`` (for operators such as ``||``)."""
    return literal(value, JSONB)


def json_text(value: Any) -> str:
    """``value`` as JSON text (non-ASCII kept; dates and other values as their string)."""
    return json.dumps(value, ensure_ascii=False, default=str)


def jsonb_text(value: Any) -> ColumnElement[Any]:
    """A Python value bound as JSON text and cast to ``jsonb`` (``json_text`` rules)."""
    return cast(literal(json_text(value), Text), JSONB)


def typed(table: Table, *names: str) -> list[Any]:
    """Columns named like ``table``'s, of the same types (for ``json_records``)."""
    return [column(name, table.c[name].type) for name in names]


def json_records(
    rows: list[dict[str, Any]], name: str, *columns: Any, **more: TypeEngine[Any]
) -> TableValuedAlias:
    """``rows`` as a derived table ``name(column type, …)`` (``jsonb_to_recordset``): a
    whole batch in one parameter, each value converted to its column's type by PostgreSQL,
    a missing key read as NULL. ``columns``: ``column(name, type)`` (see ``typed``);
    ``more``: other columns by name and type."""
    wanted = [*columns, *(column(key, type_) for key, type_ in more.items())]
    records = func.jsonb_to_recordset(jsonb_text(rows)).table_valued(*wanted)
    return records.render_derived(name=name, with_types=True)
