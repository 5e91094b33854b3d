"""Reading a need-indicators file: its quirks are handled and reported, never silent."""

from __future__ import annotations

import pytest

from mapdir.errors import InvalidParameter
from mapdir.geo.indicators import read_indicators

HEADER = ",CODE_INSEE,TX_POVERTY,TX_NSCOL15P,TX_MENSEUL,TX_FAMMONO,TX_65ETPLUS,TX_25ETMOINS\n"


def test_duplicate_rows_merge_column_by_column():
    data = (HEADER + "0,87085,34.5,43.4,54.6,9.3,24.9,20.5\n1,87085,34.5,,,,,\n").encode()
    parsed = read_indicators(data)
    assert parsed.duplicates == 1
    assert parsed.rows["87085"]["part_65_plus"] == pytest.approx(24.9)
    assert parsed.rows["87085"]["part_peu_diplomes"] == pytest.approx(43.4)
    assert parsed.ecarts == []


def test_second_row_fills_the_gaps_and_conflicts_are_reported():
    data = (HEADER + "0,87011,,,,,,\n1,87011,,50,1,1,40,10\n2,87011,,51,1,1,40,10\n").encode()
    parsed = read_indicators(data)
    assert parsed.rows["87011"]["part_peu_diplomes"] == 50
    assert [e["motif"] for e in parsed.ecarts] == [
        "TX_NSCOL15P en double et différent : la première valeur est gardée"
    ]


def test_semicolons_decimal_commas_lost_zeros_and_bad_values():
    data = (
        "CODE_INSEE;TX_65ETPLUS;TX_NSCOL15P\n"
        "1001;21,5;47,25\n"  # a spreadsheet dropped the leading zero
        "87085;120;abc\n"
        "123;1;1\n"
    ).encode("utf-8-sig")
    parsed = read_indicators(data)
    assert parsed.rows["01001"] == {
        "part_65_plus": 21.5,
        "part_peu_diplomes": 47.25,
        "part_menages_seuls": None,
        "part_familles_mono": None,
        "part_25_moins": None,
    }
    assert parsed.rows["87085"]["part_65_plus"] is None
    assert {e["motif"] for e in parsed.ecarts} == {
        "TX_65ETPLUS hors de 0-100",
        "TX_NSCOL15P n'est pas un nombre",
        "code INSEE invalide",
    }


def test_missing_required_column_is_a_french_error():
    with pytest.raises(InvalidParameter, match="TX_NSCOL15P"):
        read_indicators(b"CODE_INSEE,TX_65ETPLUS\n87085,20\n")
