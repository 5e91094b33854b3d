"""Read an uploaded table (CSV or the first sheet of an XLSX) within fixed bounds.

An upload is at most a few megabytes, but an XLSX is a zip: 300 KB can hold millions of rows
(a "zip bomb"). So the reading is bounded before and while it happens, never after:

- XLSX: the sizes the zip declares for its members are summed before anything is
  decompressed (Python's zipfile never inflates a member beyond its declared size), the
  sheet is streamed (openpyxl read-only mode) and reading stops at the first row over the
  limits; defusedxml guards the XML parsing.
- CSV: streamed by the csv module; a ``csv.Error`` (binary data, a huge cell) becomes a
  French message.
- Both: at most MAX_ROWS data rows, MAX_ROWS_READ rows read (blank ones included),
  MAX_COLUMNS columns and MAX_CELL_CHARS characters per cell.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from mapdir.errors import InvalidParameter

MAX_ROWS = 2000
MAX_ROWS_READ = 10 * MAX_ROWS
MAX_COLUMNS = 100
MAX_CELL_CHARS = 10_000
MAX_UNCOMPRESSED = 20 * 1024 * 1024
MAX_MEMBERS = 1000


def read_table(filename: str, content: bytes) -> tuple[list[str], list[list[str]]]:
    """(headers, rows) of the first sheet of an XLSX, or of a CSV (``;`` or ``,``); rows are
    padded to the header's width, blank rows skipped."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _collect(_xlsx_rows(content), "classeur")
    if name.endswith(".csv"):
        return _collect(_csv_rows(content), "fichier")
    raise InvalidParameter("Format non pris en charge : envoyez un fichier .csv ou .xlsx.")


def _collect(source: Iterable[list[Any]], kind: str) -> tuple[list[str], list[list[str]]]:
    headers: list[str] | None = None
    rows: list[list[str]] = []
    for line, raw in enumerate(source, start=1):
        if line > MAX_ROWS_READ:
            raise InvalidParameter(
                f"Trop de lignes : le {kind} en compte plus de {MAX_ROWS_READ} (lignes vides"
                f" comprises) ; {MAX_ROWS} lignes de données au plus par import."
            )
        cells = [_cell(value, line) for value in raw]
        if len(cells) > MAX_COLUMNS:
            if any(cells[MAX_COLUMNS:]):
                raise InvalidParameter(
                    f"Trop de colonnes à la ligne {line} : {MAX_COLUMNS} au plus."
                )
            cells = cells[:MAX_COLUMNS]
        while cells and not cells[-1]:  # a sheet's empty trailing cells
            cells.pop()
        if not cells:
            continue
        if headers is None:
            headers = cells
            continue
        rows.append(cells)
        if len(rows) > MAX_ROWS:
            raise InvalidParameter(f"Trop de lignes : {MAX_ROWS} au plus par import.")
    if headers is None or not rows:
        raise InvalidParameter("Le fichier ne contient aucune ligne de données.")
    return headers, [row + [""] * (len(headers) - len(row)) for row in rows]


def _cell(value: Any, line: int) -> str:
    text = "" if value is None else str(value).strip()
    if len(text) > MAX_CELL_CHARS:
        raise InvalidParameter(
            f"Cellule trop longue à la ligne {line} : {MAX_CELL_CHARS} caractères au plus."
        )
    return text


def _xlsx_rows(content: bytes) -> Iterator[tuple[Any, ...]]:
    try:
        members = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise InvalidParameter("Classeur XLSX illisible (ce n'est pas un fichier .xlsx).") from exc
    declared = sum(member.file_size for member in members)
    if len(members) > MAX_MEMBERS or declared > MAX_UNCOMPRESSED:
        raise InvalidParameter(
            f"Classeur trop volumineux une fois décompressé (plus de"
            f" {MAX_UNCOMPRESSED // (1024 * 1024)} Mo) : enregistrez seulement la feuille à"
            " importer, ou exportez-la en CSV."
        )
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            # one column more than allowed: a value there is reported, not silently dropped
            yield from workbook.active.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True)
        finally:
            workbook.close()
    except InvalidParameter:
        raise
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook
        raise InvalidParameter(f"Classeur XLSX illisible ({type(exc).__name__}).") from exc


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    try:
        decoded = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        decoded = content.decode("cp1252", errors="replace")
    if "\x00" in decoded:  # the csv module reads NUL bytes as text since Python 3.11
        raise InvalidParameter(
            "Fichier CSV illisible : il contient des données binaires : est-ce bien un CSV ?"
        )
    first = decoded.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(decoded), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as exc:
        if "field larger" in str(exc):
            reason = f"une cellule dépasse {MAX_CELL_CHARS} caractères"
        else:
            reason = "guillemets ou séparateurs incohérents"
        raise InvalidParameter(
            f"Fichier CSV illisible à la ligne {reader.line_num + 1} : {reason}."
        ) from exc
