"""The commune resolver weighs the evidence: the cases of issue 17 and every real file.

Each record ends up in one of four outcomes, printed as an accounting: imported as given,
corrected with a note (``donnees["corrections"]``), kept at its commune's point because
its coordinates contradict the commune its fields agree on (a conflict stored for an
animator), or rejected with a French reason.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from etl.prepare import prepare_records
from etl.sources import SOURCES

CASES_FILE = Path(__file__).resolve().parents[1] / "data" / "communes_difficiles.json"
REAL_FILES = {
    "france-services-2024-08-01.csv": "france-services",
    "france-services-2022-12-01.csv": "france-services",
    "charente-lieux-2023-07.json": "mednum-v1",
    "data-inclusion-lieux-2023-02.json": "data-inclusion-lieux",
    "conseillers-numeriques-permanences-2022-12.json": "conseillers-numeriques",
    "conseillers-numeriques-ile-de-france-2022-08.json": "conseillers-numeriques",
    "haute-vienne-acteurs-numerique-2023-04.json": "haute-vienne",
    "aidants-connect-structures-2023-01.json": "aidants-connect",
}
# The rows of the real files that nothing places in a commune, and why (read by hand):
# CEDEX codes with neither a commune name nor a point, and a commune merged away whose
# name no reference file of the mirror still holds.
ACCEPTED_REJECTS = {
    ("aidants-connect-structures-2023-01.json", "21671"): "CEDEX",  # Chambre d'Agriculture 43
    ("aidants-connect-structures-2023-01.json", "95110022"): "CEDEX",  # CH Victor Dupouy 95
    ("france-services-2022-12-01.csv", "2889"): "ancienne commune",  # Fresnes-Léguillon 60
    ("france-services-2022-12-01.csv", "2895"): "ancienne commune",  # the same, twice
}


def _outcome(item) -> str:
    if "conflit_localisation" in item.donnees:
        return "conflit"
    return "corrige" if item.donnees.get("corrections") else "importe"


def _prepare(conn, slug: str, raws: list[dict]):
    source = SOURCES[slug]
    return prepare_records(conn, source, raws)


@pytest.fixture(scope="module")
def cases() -> list[dict]:
    return json.loads(CASES_FILE.read_text(encoding="utf-8"))["lieux"]


def test_issue_cases_are_placed_in_their_commune(conn, cases, capsys):
    prepared, rejects = _prepare(conn, "mednum-v1", cases)
    got = {p.source_id: p for p in prepared}
    rejected = {r.source_id: r for r in rejects}
    lines = []
    for case in cases:
        want = case["attendu"]
        if want["issue"] == "rejete":
            assert case["id"] in rejected, case["id"]
            reason = rejected[case["id"]].reason
            assert "rien ne situe" in reason and case["code_postal"] in reason
            lines.append(f"  {case['id']:40} rejeté : {reason}")
            continue
        item = got[case["id"]]
        d = item.donnees
        assert d["code_insee"] == want["code_insee"], (case["id"], d.get("corrections"))
        assert _outcome(item) == want["issue"], (case["id"], d.get("corrections"))
        precision = "commune" if d.get("latitude") is None else d["geo_precision"]
        assert precision == want["point"], case["id"]
        if want["issue"] == "conflit":
            conflict = d["conflit_localisation"]
            assert conflict["latitude"] == case["latitude"]  # the source's point is kept
            assert conflict["distance_km"] > 10
        note = " / ".join(d.get("corrections") or []) or "tel quel"
        lines.append(f"  {case['id']:40} {want['issue']:8} {d['code_insee']} : {note}")
    with capsys.disabled():
        print("\n[communes] cas de l'issue 17 :\n" + "\n".join(lines))


def test_marseille_one_rule_for_arrondissements(conn, cases):
    by_id = {c["id"]: c for c in cases}
    base = {**by_id["marseille-cp-13015"], "latitude": None, "longitude": None}
    variants = [
        {**base, "id": "a", "commune": "MARSEILLE", "code_postal": "13015"},
        {**base, "id": "b", "commune": "MARSEILLE 15", "code_postal": "13015"},
        {**base, "id": "c", "commune": "Marseille 15e Arrondissement", "code_postal": ""},
        {**base, "id": "d", "commune": "Marseille", "code_postal": "", "code_insee": "13215"},
    ]
    prepared, rejects = _prepare(conn, "mednum-v1", variants)
    assert not rejects
    assert {p.donnees["code_insee"] for p in prepared} == {"13215"}
    # the commune alone stays the commune; a CEDEX number is no arrondissement
    alone = [
        {**base, "id": "e", "code_postal": "13000"},
        {**base, "id": "f", "commune": "MARSEILLE CEDEX 15", "code_postal": "13315"},
    ]
    prepared, rejects = _prepare(conn, "mednum-v1", alone)
    assert not rejects
    assert {p.donnees["code_insee"] for p in prepared} == {"13055"}


def test_every_rejected_row_of_the_real_files_is_accounted_for(conn, shared_data, capsys):
    table = []
    found_rejects: dict[tuple[str, str], str] = {}
    totals = Counter()
    for name, slug in REAL_FILES.items():
        raws = list(SOURCES[slug].read(shared_data / "offers" / name))
        prepared, rejects = _prepare(conn, slug, raws)
        outcomes = Counter(_outcome(p) for p in prepared)
        outcomes["rejete"] = len(rejects)
        totals.update(outcomes)
        fixes = Counter(
            code
            for p in prepared
            for code in set(p.fixes)
            if code.startswith(("code_", "commune_", "coordonnees_", "insee_"))
        )
        table.append(
            f"  {name:52} {len(raws):5} lus : {outcomes['importe']:5} tels quels,"
            f" {outcomes['corrige']:4} corrigés avec une note, {outcomes['conflit']:3} au point"
            f" de la commune (coordonnées contradictoires), {outcomes['rejete']} rejetés"
            + (f"\n      corrections : {dict(fixes.most_common())}" if fixes else "")
        )
        for r in rejects:
            found_rejects[(name, r.source_id)] = r.reason
            table.append(f"      rejet {r.source_id} : {r.reason}")
    with capsys.disabled():
        print("\n[communes] comptes des fichiers réels :\n" + "\n".join(table))
        print(
            f"  total : {totals['importe']} tels quels, {totals['corrige']} corrigés,"
            f" {totals['conflit']} au point de la commune, {totals['rejete']} rejetés"
        )
    assert set(found_rejects) == set(ACCEPTED_REJECTS)
    for key, reason in found_rejects.items():
        assert ACCEPTED_REJECTS[key] in reason, (key, reason)
