"""Each reader and mapper on small broken files written by the test."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from etl.record import BadFile, OfferRecord, Reject
from etl.sources import SOURCES


def _json_text(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=1)


def _csv_text(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), quoting=csv.QUOTE_ALL)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _geojson_text(rows: list[dict[str, Any]]) -> str:
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [r["longitude"], r["latitude"]]},
            "properties": {k: v for k, v in r.items() if k not in ("latitude", "longitude")},
        }
        for r in rows
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


@dataclass
class Case:
    slug: str
    suffix: str
    good: dict[str, Any]
    name: str  # field holding the name
    postcode: str
    coordinates: tuple[str, str] | None  # (latitude field, longitude field)
    render: Callable[[list[dict[str, Any]]], str]
    key: str  # a field every row must have (for the "missing column" file)


LIMOGES = {"latitude": 45.835266, "longitude": 1.26126}
CASES = [
    Case(
        "france-services",
        ".csv",
        {
            "id_fs": "1",
            "lib_fs": "France services de Saint-Léonard",
            "adresse": "15 Rue de Beaufort",
            "complement_adresse": "",
            "insee_com": "87161",
            "code_postal": "87400",
            "lib_com": "Saint-Léonard-de-Noblat",
            **{k: str(v) for k, v in LIMOGES.items()},
            "mail": "noblat@france-services.gouv.fr",
            "telephone": "05 19 09 00 70",
            "h_lundi": "13:30 - 17:00",
            "h_mardi": "09:00 - 12:30 / 13:30 - 17:00",
            "h_mercredi": "",
            "h_jeudi": "",
            "h_vendredi": "",
            "h_samedi": "",
            "prise_rdv": "Oui",
            "commentaire": "Permanences délocalisées :\nmairie de Saint-Paul",
            "type_fs": "Principal",
            "format_fs": "Fixe",
        },
        "lib_fs",
        "code_postal",
        ("latitude", "longitude"),
        _csv_text,
        "lib_fs",
    ),
    *[
        Case(
            "mednum-v1",
            suffix,
            {
                "id": "lieu-1",
                "pivot": "43493312300029",
                "nom": "Médiathèque de Limoges",
                "commune": "Limoges",
                "code_postal": "87000",
                "adresse": "2 place Aimé Césaire",
                **LIMOGES,
                "services": "Aide aux démarches administratives|Compréhension du monde numérique",
                "frais_a_charge": "Gratuit",
                "date_maj": "2024-04-02",
            },
            "nom",
            "code_postal",
            ("latitude", "longitude"),
            render,
            "nom",
        )
        for suffix, render in ((".csv", _csv_text), (".json", _json_text))
    ],
    Case(
        "data-inclusion-lieux",
        ".json",
        {
            "id": "abc",
            "source": "dora",
            "nom": "Médiathèque de Limoges",
            "services": "Prendre en main un ordinateur;Accéder à du matériel",
            "pivot": "43493312300029",
            "commune": "Limoges",
            "code_postal": "87000",
            "code_insee": "87085",
            "adresse": "2 place Aimé Césaire",
            **LIMOGES,
            "labels_nationaux": "CNFS",
            "date_maj": "2022-04-24",
        },
        "nom",
        "code_postal",
        ("latitude", "longitude"),
        _json_text,
        "nom",
    ),
    Case(
        "conseillers-numeriques",
        ".json",
        {
            "id": "62592a1d05457b0790816e6c",
            "nom": "Médiathèque de Limoges",
            "services": "Prendre en main un ordinateur;Approfondir ma culture numérique",
            "pivot": "43493312300029",
            "commune": "LIMOGES",
            "code_postal": "87000",
            "adresse": "2 place Aimé Césaire",
            **LIMOGES,
            "conditions_access": "Gratuit : Je peux accéder gratuitement au lieu",
            "labels_nationaux": "CNFS",
            "horaires": "Mo-Fr 09:00-12:00",
            "date_maj": "2022-05-09",
        },
        "nom",
        "code_postal",
        ("latitude", "longitude"),
        _json_text,
        "nom",
    ),
    *[
        Case(
            "haute-vienne",
            suffix,
            {
                "nom_org": "Médiathèque de Limoges",
                "adresse": "2 place Aimé Césaire, 87000 Limoges",
                "commune": "Limoges",
                "code_postal": 87000,
                **LIMOGES,
                "categorie": "Accès au matériel et à Internet",
                "service": "Accès à Internet",
                "horaires": "Lundi au vendredi 9h-12h 14h-17h",
                "infobulle": '<div onclick="alert(1)">Médiathèque</div>',
                "result_citycode": 87085,
                "result_type": "housenumber",
                "result_status": "ok",
            },
            "nom_org",
            "code_postal",
            ("latitude", "longitude"),
            render,
            "nom_org",
        )
        for suffix, render in ((".json", _json_text), (".geojson", _geojson_text))
    ],
    Case(
        "aidants-connect",
        ".json",
        {
            "Data pass ID": "500\u202f001",
            "Name": "Médiathèque de Bourg",
            "SIRET": "434\u202f933\u202f123\u202f00029",
            "Adresse": "2 rue de la Paix",
            "Code postal": 1000,
            "Département": "Ain",
            "commune": "",
            "date_maj": "15/03/2021",
        },
        "Name",
        "Code postal",
        None,
        _json_text,
        "Name",
    ),
]
IDS = [f"{case.slug}{case.suffix}" for case in CASES]


def _variant(case: Case, index: int, **changes: Any) -> dict[str, Any]:
    """A copy of the good row, made distinct (id, address) and changed."""
    row = dict(case.good)
    for id_field in ("id_fs", "id", "Data pass ID"):
        if id_field in row:
            row[id_field] = f"{index}0{index}"
    address_field = "Adresse" if case.slug == "aidants-connect" else "adresse"
    row[address_field] = f"{index} rue Numéro {index}"
    row.update(changes)
    return row


def _outcomes(case: Case, path: Path) -> list[OfferRecord | Reject]:
    source = SOURCES[case.slug]
    results: list[OfferRecord | Reject] = []
    for raw in source.read(path):
        try:
            results.append(source.map(raw))
        except Reject as reject:
            results.append(reject)
    return results


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_broken_rows(case: Case, tmp_path: Path) -> None:
    rows = [
        _variant(case, 1),
        _variant(case, 2, **{case.name: ""}),
        _variant(case, 3, **{case.postcode: "ABCDE"}),
        _variant(case, 4, **{case.name: "<b>Espace</b> <script>alert(1)</script>numérique"}),
        _variant(case, 5, **{case.name: "<script>alert(1)</script>"}),
    ]
    if case.coordinates:
        lat, lon = case.coordinates
        rows.append(_variant(case, 6, **{lat: rows[0][lon], lon: rows[0][lat]}))
        rows.append(_variant(case, 7, **{lat: 40.71, lon: -74.0}))
    path = tmp_path / f"source{case.suffix}"
    path.write_text(case.render(rows), encoding="utf-8")

    results = _outcomes(case, path)
    assert len(results) == len(rows)
    good, no_name, bad_postcode, html_name, script_only, *coordinate_rows = results

    assert isinstance(good, OfferRecord) and good.nom == case.good[case.name]
    assert good.fixes == (["code_postal_corrige"] if case.slug == "aidants-connect" else [])
    assert isinstance(no_name, Reject) and no_name.reason == "nom manquant"
    if isinstance(bad_postcode, Reject):
        assert bad_postcode.reason.startswith("aucune localisation")
    else:
        assert bad_postcode.code_postal is None and "code_postal_invalide" in bad_postcode.fixes
    assert isinstance(html_name, OfferRecord)
    assert html_name.nom == "Espace numérique" and "nom_nettoye" in html_name.fixes
    assert isinstance(script_only, Reject) and script_only.reason == "nom manquant"
    if case.coordinates:
        swapped, outside = coordinate_rows
        assert isinstance(swapped, OfferRecord)
        assert (swapped.latitude, swapped.longitude) == (45.835266, 1.26126)
        assert "coordonnees_inversees" in swapped.fixes
        assert isinstance(outside, Reject) and outside.reason == "coordonnées hors de France"
    for record in results:
        if isinstance(record, OfferRecord):
            texts = [str(v) for k, v in vars(record).items() if k != "raw"]
            assert not any("<" in text or "alert" in text for text in texts)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_bad_files(case: Case, tmp_path: Path) -> None:
    read = SOURCES[case.slug].read
    good_text = case.render([_variant(case, 1), _variant(case, 2)])

    empty = tmp_path / f"empty{case.suffix}"
    empty.write_bytes(b"")
    with pytest.raises(BadFile, match="vide"):
        list(read(empty))

    cp1252 = tmp_path / f"cp1252{case.suffix}"
    cp1252.write_bytes(good_text.replace("\u202f", " ").encode("cp1252"))
    with pytest.raises(BadFile, match="UTF-8"):
        list(read(cp1252))

    missing = tmp_path / f"missing{case.suffix}"
    rows = [{k: v for k, v in _variant(case, 1).items() if k != case.key}]
    missing.write_text(case.render(rows), encoding="utf-8")
    with pytest.raises(BadFile, match="colonnes obligatoires absentes|aucun"):
        list(read(missing))

    bom = tmp_path / f"bom{case.suffix}"
    bom.write_bytes(good_text.encode("utf-8-sig"))
    assert len(list(read(bom))) == 2

    if case.suffix != ".csv":
        truncated = tmp_path / f"truncated{case.suffix}"
        truncated.write_text(good_text[: len(good_text) // 2], encoding="utf-8")
        with pytest.raises(BadFile, match="invalide ou tronqué"):
            list(read(truncated))
        not_a_list = tmp_path / f"object{case.suffix}"
        not_a_list.write_text('{"a": 1}', encoding="utf-8")
        with pytest.raises(BadFile):
            list(read(not_a_list))


def test_csv_fields_spanning_lines_and_header_only_file(tmp_path: Path) -> None:
    case = CASES[0]
    path = tmp_path / "fs.csv"
    path.write_text(case.render([_variant(case, 1)]), encoding="utf-8")
    (record,) = _outcomes(case, path)
    assert isinstance(record, OfferRecord)
    assert record.commentaire == "Permanences délocalisées :\nmairie de Saint-Paul"
    assert record.horaires == "Mo 13:30-17:00; Tu 09:00-12:30,13:30-17:00"
    header_only = tmp_path / "header.csv"
    header_only.write_text(",".join(case.good) + "\n", encoding="utf-8")
    with pytest.raises(BadFile, match="aucun enregistrement"):
        list(SOURCES["france-services"].read(header_only))


def test_haute_vienne_keeps_infobulle_only_in_raw(tmp_path: Path) -> None:
    case = next(c for c in CASES if c.slug == "haute-vienne")
    rows = [_variant(case, 1), _variant(case, 1, service="Aide à la recherche d'emploi")]
    path = tmp_path / "hv.json"
    path.write_text(case.render(rows), encoding="utf-8")
    (record,) = _outcomes(case, path)  # two rows, one place
    assert isinstance(record, OfferRecord)
    assert record.services == ["insertion-professionnelle", "acces-internet-materiel"]
    assert record.raw["lignes"][0]["infobulle"].startswith("<div")
    assert record.horaires == "Mo-Fr 09:00-12:00,14:00-17:00"
    assert record.code_insee == "87085" and record.precision_source == "adresse"


def test_aidants_connect_duplicate_ids_collapse(tmp_path: Path) -> None:
    case = CASES[-1]
    row = _variant(case, 1, **{"Code postal": 20600, "Département": "Corse-du-Sud"})
    twin = dict(row, **{"Département": "Haute-Corse"})
    path = tmp_path / "ac.json"
    path.write_text(case.render([row, twin]), encoding="utf-8")
    (raw,) = list(SOURCES["aidants-connect"].read(path))
    assert raw["Département"] == "Haute-Corse"  # 206xx is Haute-Corse
