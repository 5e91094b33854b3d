"""Small building blocks of the Core statements that read and write plain rows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, any_, exists, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.engine import Connection


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
