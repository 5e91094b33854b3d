"""Build cross-source candidate duplicate pairs from the real offer files (test helper).

Reads the national files of ``shared/data/offers`` with the standard library only (no ETL
mapper involved, so that the dedup tests do not depend on other modules), turns every record
into a flat dict with the fields the scorer sees, and pairs records (of any sources, a
source's own duplicates included) that are within ``max_m`` metres of each other (grid
bucketing + haversine), share a real 14-digit SIRET, or share a phone or an e-mail within a
few kilometres. This mimics what the database does (``etl/dedup.py``) before scoring.

Run it as a script to print a sample of pairs for hand labelling::

    .venv/bin/python tests/dedup_pairs.py --sample 40 --seed 3 [--dep 87]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mapdir.geo.geodesy import haversine_m

DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "offers"
LABELLED = Path(__file__).resolve().parent / "data" / "dedup_pairs_labelled.json"

SOURCE_FILES = {
    "france-services": "france-services-2024-08-01.csv",
    "data-inclusion": "data-inclusion-lieux-2023-02.json",
    "conseillers-numeriques": "conseillers-numeriques-permanences-2022-12.json",
    "haute-vienne": "haute-vienne-acteurs-numerique-2023-04.json",
    "charente": "charente-lieux-2023-07.json",
}

Record = dict[str, Any]

_SIRET = re.compile(r"^\d{14}$")
# A grid cell of 0.003° of latitude (~333 m) by 0.0045° of longitude (>= 314 m up to 51.1°N,
# the north of France): neighbours of a point within 300 m are in the 3x3 surrounding cells.
CELL_LAT = 0.003
CELL_LON = 0.0045


def _float(value: Any) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _pivot(value: Any) -> str | None:
    text = re.sub(r"\s", "", str(value or ""))
    return text or None


def _split(value: Any) -> list[str]:
    return [part.strip() for part in re.split(r"[;/|]", str(value or "")) if part.strip()]


def _record(source: str, source_id: Any, nom: Any, **fields: Any) -> Record:
    return {
        "source": source,
        "source_id": str(source_id),
        "nom": str(nom or "").strip(),
        "adresse": str(fields.get("adresse") or "").strip() or None,
        "code_postal": str(fields.get("code_postal") or "").strip() or None,
        "code_insee": str(fields.get("code_insee") or "").strip() or None,
        "commune": str(fields.get("commune") or "").strip() or None,
        "pivot": _pivot(fields.get("pivot")),
        "lat": _float(fields.get("lat")),
        "lon": _float(fields.get("lon")),
        "telephones": _split(fields.get("telephone")),
        "courriels": _split(fields.get("courriel")),
    }


def read_france_services(path: Path) -> Iterator[Record]:
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            yield _record(
                "france-services",
                row["id_fs"],
                row["lib_fs"],
                adresse=row["adresse"],
                code_postal=row["code_postal"],
                code_insee=row["insee_com"],
                commune=row["lib_com"],
                lat=row["latitude"],
                lon=row["longitude"],
                telephone=row["telephone"],
                courriel=row["mail"],
            )


def read_lieux_v0(path: Path, source: str) -> Iterator[Record]:
    """data·inclusion, conseillers numériques and Charente share the v0-like field names.

    data·inclusion ids are unique only within their origin ("1003" exists in Hinaura and in
    siao), so its source id is "origin/id"."""
    for row in json.loads(path.read_text(encoding="utf-8")):
        yield _record(
            source,
            f"{row['source']}/{row['id']}" if source == "data-inclusion" else row["id"],
            row.get("nom"),
            adresse=row.get("adresse"),
            code_postal=row.get("code_postal"),
            code_insee=row.get("code_insee"),
            commune=row.get("commune"),
            pivot=row.get("pivot"),
            lat=row.get("latitude"),
            lon=row.get("longitude"),
            telephone=row.get("telephone"),
            courriel=row.get("courriel"),
        )


def read_haute_vienne(path: Path) -> Iterator[Record]:
    """One row per (place, service): keep the first row of each (organisation, address)."""
    seen: set[tuple[str, str]] = set()
    for row in json.loads(path.read_text(encoding="utf-8")):
        key = (str(row.get("nom_org")).strip().lower(), str(row.get("adresse")).strip().lower())
        if key in seen:
            continue
        seen.add(key)
        address = str(row.get("adresse") or "")
        street = address.split(",")[0] if re.search(r"\d{5}", address) else address
        yield _record(
            "haute-vienne",
            row["objectid"],
            row.get("nom_org"),
            adresse=street,
            code_postal=str(row.get("code_postal") or "").zfill(5),
            code_insee=str(row.get("result_citycode") or "").zfill(5),
            commune=row.get("commune"),
            lat=row.get("latitude"),
            lon=row.get("longitude"),
            telephone=" / ".join(str(row.get(k) or "") for k in ("tel_fixe", "tel_mobile")),
            courriel=row.get("mail"),
        )


def load_records(data_dir: Path = DATA_DIR) -> list[Record]:
    records: list[Record] = []
    records += read_france_services(data_dir / SOURCE_FILES["france-services"])
    for source in ("data-inclusion", "conseillers-numeriques", "charente"):
        records += read_lieux_v0(data_dir / SOURCE_FILES[source], source)
    records += read_haute_vienne(data_dir / SOURCE_FILES["haute-vienne"])
    return records


def is_real_siret(pivot: str | None) -> bool:
    return bool(pivot and _SIRET.match(pivot) and pivot != "00000000000000")


def _phones(rec: Record) -> set[str]:
    out = set()
    for value in rec["telephones"]:
        digits = re.sub(r"\D", "", value)
        if digits.startswith("33") and len(digits) == 11:
            digits = "0" + digits[2:]
        if len(digits) == 10:
            out.add(digits)
    return out


def _emails(rec: Record) -> set[str]:
    return {v.strip().lower() for v in rec["courriels"] if "@" in v}


def candidate_pairs(
    records: list[Record], max_m: float = 300.0, contact_m: float = 5000.0
) -> list[tuple[int, int, float]]:
    """Index pairs (i < j) of records of any sources (a source's own duplicates included):
    within ``max_m`` metres, sharing a real SIRET, or sharing a phone or an e-mail within
    ``contact_m`` metres (or without coordinates). This mimics the database's candidate query.

    The distance is ``nan`` when one side has no coordinates.
    """
    assert max_m <= 300.0, "the grid cells are sized for 300 m"
    grid: dict[tuple[int, int], list[int]] = defaultdict(list)
    for index, rec in enumerate(records):
        if rec["lat"] is not None and rec["lon"] is not None:
            grid[(math.floor(rec["lat"] / CELL_LAT), math.floor(rec["lon"] / CELL_LON))].append(
                index
            )
    pairs: dict[tuple[int, int], float] = {}
    for (cell_lat, cell_lon), members in grid.items():
        neighbours = [
            j
            for d_lat in (-1, 0, 1)
            for d_lon in (-1, 0, 1)
            for j in grid.get((cell_lat + d_lat, cell_lon + d_lon), ())
        ]
        for i in members:
            a = records[i]
            for j in neighbours:
                if j <= i:
                    continue
                b = records[j]
                distance = haversine_m(a["lon"], a["lat"], b["lon"], b["lat"])
                if distance <= max_m:
                    pairs[(i, j)] = distance
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, rec in enumerate(records):
        if is_real_siret(rec["pivot"]):
            groups[("siret", rec["pivot"])].append(index)
        for phone in _phones(rec):
            groups[("tel", phone)].append(index)
        for email in _emails(rec):
            groups[("mail", email)].append(index)
    for (kind, _value), members in groups.items():
        if len(members) > 50:  # a national switchboard or a network's address: no evidence
            continue
        for pos, i in enumerate(members):
            for j in members[pos + 1 :]:
                key = (min(i, j), max(i, j))
                if key in pairs or i == j:
                    continue
                a, b = records[key[0]], records[key[1]]
                located = None not in (a["lat"], a["lon"], b["lat"], b["lon"])
                distance = (
                    haversine_m(a["lon"], a["lat"], b["lon"], b["lat"]) if located else math.nan
                )
                if kind == "siret" or not located or distance <= contact_m:
                    pairs[key] = distance
    return [(i, j, d) for (i, j), d in sorted(pairs.items())]


def department(rec: Record) -> str:
    code = rec["code_insee"] or rec["code_postal"] or ""
    return code[:3] if code.startswith("97") else code[:2]


def _describe(rec: Record) -> str:
    return (
        f"  [{rec['source']}:{rec['source_id']}] {rec['nom']!r}\n"
        f"     {rec['adresse']!r} {rec['code_postal']} insee={rec['code_insee']}"
        f" siret={rec['pivot']} tel={rec['telephones']} mail={rec['courriels']}"
    )


SCORE_BINS = ((0, 30), (30, 50), (50, 60), (60, 75), (75, 90), (90, 101))


def hard_case(a: Record, b: Record, distance: float) -> str | None:
    """Why a pair is hard to decide (the traps of issue 17), or None for an easy one."""
    from mapdir.offers.dedup_similarity import address_similarity, kinds_conflict, name_similarity

    names = name_similarity(a["nom"], b["nom"])
    address = address_similarity(a["adresse"], b["adresse"]) or 0.0
    shared = bool(_phones(a) & _phones(b) or _emails(a) & _emails(b))
    if a["source"] == b["source"] and (distance <= 300 or names >= 0.6):
        return "même source"
    if names < 0.6 and (address >= 0.8 or distance <= 50) and not shared:
        return "même adresse, noms différents"
    if names < 0.6 and shared:
        return "contact partagé, noms différents"
    if kinds_conflict(a["nom"], b["nom"]):
        return "types de lieux différents"
    if names >= 0.8 and not distance <= 150:
        return "noms proches, lieux éloignés"
    return None


def stratified_sample(
    records: list[Record], pairs: list[tuple[int, int, float]], per_bin: int, seed: int
) -> list[tuple[int, int, float, float, str | None]]:
    """``per_bin`` pairs per score bin (``SCORE_BINS``), half of them hard cases when the
    bin has enough: (i, j, distance, score, why hard)."""
    from mapdir.offers.dedup_score import PairSide, score_pair

    def side(rec: Record) -> PairSide:
        return PairSide(
            nom=rec["nom"], adresse=rec["adresse"], code_postal=rec["code_postal"],
            code_insee=rec["code_insee"], pivot=rec["pivot"], latitude=rec["lat"],
            longitude=rec["lon"], telephones=tuple(rec["telephones"]),
            courriels=tuple(rec["courriels"]), source=rec["source"],
        )  # fmt: skip

    scored = []
    for i, j, distance in pairs:
        score = score_pair(side(records[i]), side(records[j])).score
        scored.append((i, j, distance, score, hard_case(records[i], records[j], distance)))
    labelled = {
        tuple(
            sorted(
                ((p["a"]["source"], p["a"]["source_id"]), (p["b"]["source"], p["b"]["source_id"]))
            )
        )
        for p in json.loads(LABELLED.read_text(encoding="utf-8"))["pairs"]
    }
    scored = [
        p for p in scored
        if tuple(sorted(((records[p[0]]["source"], records[p[0]]["source_id"]),
                         (records[p[1]]["source"], records[p[1]]["source_id"])))) not in labelled
    ]  # fmt: skip
    rng = random.Random(seed)
    out = []
    for low, high in SCORE_BINS:
        in_bin = [p for p in scored if low <= p[3] < high]
        hard = [p for p in in_bin if p[4]]
        easy = [p for p in in_bin if not p[4]]
        n_hard = min(len(hard), per_bin // 2 + max(0, per_bin // 2 - len(easy)))
        out += rng.sample(hard, n_hard) + rng.sample(easy, min(len(easy), per_bin - n_hard))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sample", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dep", default=None, help="department code filter, e.g. 87")
    parser.add_argument("--sources", default=None, help="e.g. france-services,haute-vienne")
    parser.add_argument(
        "--per-bin", type=int, default=0, help="stratified: pairs per score bin, half hard"
    )
    args = parser.parse_args()
    records = load_records()
    pairs = candidate_pairs(records)
    print(f"{len(records)} records, {len(pairs)} candidate pairs")
    if args.dep:
        pairs = [p for p in pairs if department(records[p[0]]) == args.dep]
    if args.sources:
        wanted = set(args.sources.split(","))
        pairs = [p for p in pairs if {records[p[0]]["source"], records[p[1]]["source"]} == wanted]
    if args.per_bin:
        for i, j, distance, score, why in stratified_sample(
            records, pairs, args.per_bin, args.seed
        ):
            print(f"--- score {score:.0f}, {distance:.0f} m, dep {department(records[i])}"
                  f"{', difficile : ' + why if why else ''}")  # fmt: skip
            print(_describe(records[i]))
            print(_describe(records[j]))
        return
    rng = random.Random(args.seed)
    for i, j, distance in rng.sample(pairs, min(args.sample, len(pairs))):
        print(f"--- {distance:.0f} m  dep {department(records[i])}")
        print(_describe(records[i]))
        print(_describe(records[j]))


if __name__ == "__main__":
    main()
