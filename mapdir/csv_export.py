"""The one CSV writer of every export: text that a spreadsheet would run as a formula is
neutralised, and two dialects (machine-readable, and French spreadsheet).

Neutralisation (OWASP "CSV injection"): a text cell starting with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return gets a leading ``'``, so that a spreadsheet shows it as text
instead of evaluating ``=HYPERLINK(...)`` or ``=cmd|...``. A plain number written as text
(``-1.25``, ``+33555000000``) is not a formula and is left as it is, so numeric columns and
the national schema's phone pattern stay valid (docs/csv-exports.md). Numbers given as
``int``/``float`` are never neutralised: they are formatted with the dialect's decimal mark.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TextIO

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")
LIST_SEPARATOR = "|"
BOM = "\ufeff"


@dataclass(frozen=True)
class Dialect:
    """How a CSV is laid out: separator, decimal mark, UTF-8 byte-order mark."""

    delimiter: str = ","
    decimal: str = "."
    bom: bool = False
    lineterminator: str = "\r\n"


# RFC 4180 as data tools and the national schemas read it
STANDARD = Dialect()
# the same with a BOM, so that a spreadsheet detects UTF-8 (animators' downloads)
STANDARD_BOM = Dialect(bom=True)
# what a French spreadsheet opens with a double click: ';', decimal comma, BOM
FRENCH_SPREADSHEET = Dialect(delimiter=";", decimal=",", bom=True)


def neutralise(text: str) -> str:
    """``text`` as a spreadsheet will show it, never as a formula (idempotent)."""
    if text[:1] in FORMULA_START and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def cell(value: Any, dialect: Dialect = STANDARD) -> str:
    """One value as CSV text: empty for None/NaN, numbers with the dialect's decimal mark,
    dates in ISO 8601, lists joined with ``|``, any text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        if isinstance(value, float) and math.isnan(value):
            return ""
        return str(value).replace(".", dialect.decimal)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return neutralise(LIST_SEPARATOR.join(str(v) for v in value))
    return neutralise(str(value))


def iter_lines(
    header: Sequence[str],
    rows: Iterable[Sequence[Any] | Mapping[str, Any]],
    dialect: Dialect = STANDARD,
) -> Iterator[str]:
    """The CSV text line by line (BOM first when the dialect has one): for streaming.

    A row is a sequence in header order, or a mapping read by the header's names (a
    missing key is an empty cell)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=dialect.delimiter, lineterminator=dialect.lineterminator)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([neutralise(str(name)) for name in header])
    yield (BOM if dialect.bom else "") + flush()
    for row in rows:
        values = [row.get(name) for name in header] if isinstance(row, Mapping) else row
        writer.writerow([cell(value, dialect) for value in values])
        yield flush()


def write(
    out: TextIO,
    header: Sequence[str],
    rows: Iterable[Sequence[Any] | Mapping[str, Any]],
    dialect: Dialect = STANDARD,
) -> None:
    """Write header and rows to ``out`` (a text stream opened with ``newline=""``)."""
    for line in iter_lines(header, rows, dialect):
        out.write(line)


def to_text(
    header: Sequence[str],
    rows: Iterable[Sequence[Any] | Mapping[str, Any]],
    dialect: Dialect = STANDARD,
) -> str:
    return "".join(iter_lines(header, rows, dialect))


def to_bytes(
    header: Sequence[str],
    rows: Iterable[Sequence[Any] | Mapping[str, Any]],
    dialect: Dialect = STANDARD,
) -> bytes:
    return to_text(header, rows, dialect).encode("utf-8")
