"""Bounded reading of uploaded tables (issue 19, finding 5): an XLSX zip bomb (5 million rows
in a few hundred KB) is refused from the sizes its zip declares, before anything is
inflated; a sheet within that size is streamed and reading stops at the first row over a
limit; CSV errors become French messages. Bounds are checked by counting what was read and
the memory traced, never by timing."""

from __future__ import annotations

import csv
import io
import tracemalloc
import zipfile
from collections.abc import Iterator

import pytest
from openpyxl import Workbook

from mapdir.editing import table_file
from mapdir.editing.table_file import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_ROWS_READ,
    read_table,
)
from mapdir.errors import InvalidParameter

SHEET = "xl/worksheets/sheet1.xml"
ROW = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?><worksheet'
    b' xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
TAIL = b"</sheetData></worksheet>"


def _xlsx(sheet_chunks: Iterator[bytes]) -> bytes:
    """A real workbook (written by openpyxl) whose first sheet's XML is ``sheet_chunks``."""
    template = io.BytesIO()
    Workbook().save(template)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(template) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for member in source.infolist():
            if member.filename != SHEET:
                target.writestr(member, source.read(member))
        with target.open(SHEET, "w", force_zip64=True) as sheet:
            for chunk in sheet_chunks:
                sheet.write(chunk)
    return out.getvalue()


def _rows(count: int, row: bytes = ROW) -> Iterator[bytes]:
    yield HEAD + b'<row><c t="inlineStr"><is><t>nom</t></is></c></row>'
    block = row * 10_000
    for _ in range(count // 10_000):
        yield block
    yield row * (count % 10_000)
    yield TAIL


def _counted(source, counter: list[int]):
    for row in source:
        counter[0] += 1
        yield row


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return _xlsx(_rows(5_000_000))


def test_zip_bomb_refused_before_inflating(bomb):
    assert len(bomb) < 1024 * 1024  # a small upload …
    declared = sum(m.file_size for m in zipfile.ZipFile(io.BytesIO(bomb)).infolist())
    assert declared > 200 * 1024 * 1024  # … of more than 200 MB once inflated
    tracemalloc.start()
    try:
        with pytest.raises(InvalidParameter, match="trop volumineux une fois décompressé"):
            read_table("bombe.xlsx", bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * 1024 * 1024


def test_rows_are_streamed_and_reading_stops_at_the_limit():
    content = _xlsx(_rows(100_000))  # within the size bound: the row limit must act
    counter = [0]
    with pytest.raises(InvalidParameter, match=f"{MAX_ROWS} au plus"):
        table_file._collect(_counted(table_file._xlsx_rows(content), counter), "classeur")
    assert counter[0] == MAX_ROWS + 2  # the header, the allowed rows, the first one over


def test_blank_rows_count_too():
    far = b'<row r="1000000"><c r="A1000000" t="inlineStr"><is><t>x</t></is></c></row>'
    content = _xlsx(iter([HEAD, ROW.replace(b"<row>", b'<row r="1">'), far, TAIL]))
    counter = [0]
    with pytest.raises(InvalidParameter, match="lignes vides comprises"):
        table_file._collect(_counted(table_file._xlsx_rows(content), counter), "classeur")
    assert counter[0] == MAX_ROWS_READ + 1


def test_a_huge_xlsx_cell_is_refused():
    big = b'<row><c t="inlineStr"><is><t>' + b"a" * (MAX_CELL_CHARS + 1) + b"</t></is></c></row>"
    with pytest.raises(InvalidParameter, match="Cellule trop longue à la ligne 2"):
        read_table("grosse.xlsx", _xlsx(iter([next(_rows(0)), big, TAIL])))


def test_a_value_beyond_the_last_allowed_column_is_reported():
    header = ",".join(f"c{i}" for i in range(MAX_COLUMNS + 1))
    with pytest.raises(InvalidParameter, match=f"Trop de colonnes à la ligne 1 : {MAX_COLUMNS}"):
        read_table("large.csv", (header + "\n" + "x," * MAX_COLUMNS + "\n").encode())


@pytest.mark.parametrize(
    "content, message",
    [
        (b"nom;adresse\nLieu;" + b"a" * 4_900_000 + b"\n", "une cellule dépasse"),
        (b"nom;adresse\nLieu;1 rue\x00\n", "données binaires"),
        (b"nom;adresse\nLieu;" + b"a" * (MAX_CELL_CHARS + 1) + b"\n", "Cellule trop longue"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "données binaires"),
    ],
)
def test_csv_errors_are_french(content, message):
    # the csv module's field limit is process-wide, and other libraries raise it: the
    # default here, so that the 4.9 MB cell meets the module's own error
    previous = csv.field_size_limit(131_072)
    try:
        with pytest.raises(InvalidParameter, match=message):
            read_table("liste.csv", content)
    finally:
        csv.field_size_limit(previous)


def test_not_a_workbook():
    with pytest.raises(InvalidParameter, match="Classeur XLSX illisible"):
        read_table("faux.xlsx", b"nom;adresse\n")


def test_a_normal_file_is_read_as_before():
    content = "nom;code postal\n\nCafé numérique ; 87000\nMédiathèque\n".encode("utf-8-sig")
    assert read_table("lieux.csv", content) == (
        ["nom", "code postal"],
        [["Café numérique", "87000"], ["Médiathèque", ""]],
    )
    sheet = _xlsx(_rows(3))
    headers, rows = read_table("lieux.xlsx", sheet)
    assert headers == ["nom"] and rows == [["x"]] * 3
