"""Pure reconciliation of La Poste rows with the current commune list."""

from __future__ import annotations

from mapdir.geo.readers import LaPosteRow, reconcile
from mapdir.text import normalize_name


def _commune(code, cps, type_="commune-actuelle", parent=None):
    return {
        "code": code,
        "departement": code[:2],
        "type": type_,
        "codes_postaux": cps,
        "commune_parente": parent,
    }


def _row(code, cp, lat=None, lon=None, nom="X"):
    return LaPosteRow(code, nom, cp, nom, lat, lon, f"{code};{cp}")


def test_old_code_mapped_to_sole_commune_with_postcode():
    communes = {"93066": _commune("93066", ["93200", "93380"])}
    rec = reconcile(
        communes, [_row("93066", "93200", 48.9, 2.35), _row("93059", "93380", 48.96, 2.36)]
    )
    assert rec.old_codes["93059"][0] == "93066"
    assert ("93380", "93066") in rec.postcodes
    assert rec.unmapped == []


def test_old_code_prefers_new_commune_absent_from_file():
    communes = {
        "12001": _commune("12001", ["12320"]),
        "12218": _commune("12218", ["12320"]),  # created by a merger after the file's date
    }
    rows = [_row("12001", "12320", 44.5, 2.4), _row("12076", "12320", 44.6, 2.4)]
    rec = reconcile(communes, rows)
    assert rec.old_codes["12076"][0] == "12218"
    assert rec.points["12218"] == (2.4, 44.6)  # point taken from its old commune


def test_old_code_without_candidate_is_reported():
    rec = reconcile({"01001": _commune("01001", ["01400"])}, [_row("99138", "98000", 43.7, 7.4)])
    assert rec.old_codes == {}
    assert rec.unmapped and rec.unmapped[0][0] == "99138"


def test_parent_commune_gets_mean_of_arrondissements():
    communes = {
        "13055": _commune("13055", ["13001", "13002"]),
        "13201": _commune("13201", ["13001"], "arrondissement-municipal", "13055"),
        "13202": _commune("13202", ["13002"], "arrondissement-municipal", "13055"),
    }
    rows = [_row("13201", "13001", 43.0, 5.0), _row("13202", "13002", 44.0, 6.0)]
    rec = reconcile(communes, rows)
    assert rec.points["13055"] == (5.5, 43.5)


def test_normalize_name():
    assert normalize_name("Saint-Léonard-de-Noblat") == "saint leonard de noblat"
    assert normalize_name("ST LEONARD") == "saint leonard"
    assert normalize_name("L'Île-d'Olonne") == "l ile d olonne"
