"""Pure readers of the reference files and the La Poste old-code reconciliation.

No database here: functions take file paths or rows and return plain dicts, so that the
reconciliation rules (old codes, missing points, postcodes) are unit-testable.
"""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mapdir.text import normalize_name


def _dep_of(code: str) -> str:
    if code.startswith("97") or code.startswith("98"):
        return code[:3]
    return code[:2]


def read_communes_csv(path: Path) -> dict[str, dict[str, Any]]:
    """COG communes (and municipal arrondissements) keyed by INSEE code."""
    out: dict[str, dict[str, Any]] = {}
    with open(path, newline="", encoding="utf-8-sig") as fh:
        for r in csv.DictReader(fh):
            code = r["code_insee"].strip()
            if not code:
                continue
            pop = (r.get("population") or "").strip()
            out[code] = {
                "code": code,
                "nom": r["nom"].strip(),
                "type": r.get("type") or "commune-actuelle",
                "departement": (r.get("departement") or _dep_of(code)).strip(),
                "nom_departement": (r.get("nom_departement") or "").strip(),
                "region": (r.get("region") or "").strip() or None,
                "arrondissement": (r.get("arrondissement") or "").strip() or None,
                "epci": (r.get("epci") or "").strip() or None,
                "nom_epci": (r.get("nom_epci") or "").strip() or None,
                "ept": (r.get("ept") or "").strip() or None,
                "population": int(pop) if pop.isdigit() else None,
                "codes_postaux": [c for c in (r.get("codes_postaux") or "").split("|") if c],
                "commune_parente": (r.get("commune_parente") or "").strip() or None,
            }
    return out


@dataclass
class LaPosteRow:
    code_insee: str
    nom: str
    code_postal: str
    libelle: str
    lat: float | None
    lon: float | None
    raw: str
    ligne_5: str = ""  # a locality of the commune: lieu-dit, delegated or former commune


def read_laposte_csv(path: Path) -> tuple[list[LaPosteRow], list[tuple[str, str]]]:
    """La Poste hexasmal rows, and (line, reason) for rows that cannot be read."""
    rows: list[LaPosteRow] = []
    bad: list[tuple[str, str]] = []
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh, delimiter=";")
        # the file has had several header spellings over the years
        for r in reader:
            norm = {k.strip().lower().lstrip("#"): (v or "").strip() for k, v in r.items() if k}
            code = norm.get("code_commune_insee", "")
            cp = norm.get("code_postal", "")
            raw = ";".join(v or "" for v in r.values() if isinstance(v, str))
            if len(code) != 5 or len(cp) != 5 or not cp.isdigit():
                bad.append((raw, "code INSEE ou code postal invalide"))
                continue
            lat = lon = None
            coords = norm.get("coordonnees_geographiques") or norm.get("coordonnees_gps") or ""
            if coords:
                try:
                    lat_s, lon_s = coords.split(",")
                    lat, lon = float(lat_s), float(lon_s)
                except ValueError:
                    bad.append((raw, "coordonnées illisibles (ligne gardée sans point)"))
            rows.append(
                LaPosteRow(
                    code_insee=code,
                    nom=norm.get("nom_de_la_commune") or norm.get("nom_commune") or "",
                    code_postal=cp,
                    libelle=norm.get("libelle_d_acheminement") or "",
                    lat=lat,
                    lon=lon,
                    raw=raw,
                    ligne_5=norm.get("ligne_5", ""),
                )
            )
    return rows, bad


def _dist2(a: tuple[float, float], b: tuple[float, float]) -> float:
    dx = (a[0] - b[0]) * math.cos(math.radians((a[1] + b[1]) / 2))
    return dx * dx + (a[1] - b[1]) ** 2


@dataclass
class Reconciled:
    """La Poste rows reconciled with the current commune list."""

    points: dict[str, tuple[float, float]]  # code -> (lon, lat)
    point_sources: dict[str, str]
    postcodes: dict[tuple[str, str], dict[str, Any]]  # (cp, code) -> {libelle, sources}
    old_codes: dict[str, tuple[str, str, str]]  # old -> (current, old name, method)
    unmapped: list[tuple[str, str, str]] = field(default_factory=list)  # (code, raw, reason)


def reconcile(communes: dict[str, dict[str, Any]], laposte: list[LaPosteRow]) -> Reconciled:
    """Attach La Poste points and postcodes to current communes, mapping old codes.

    An old code (absent from the current list, e.g. 93059 merged into 93066) is mapped to
    the current commune of the same département whose postcodes include the row's postcode;
    when several do, the nearest one (by the La Poste point) wins; when none does, the row
    is reported, never silently dropped.
    """
    by_code: dict[str, list[LaPosteRow]] = defaultdict(list)
    for row in laposte:
        by_code[row.code_insee].append(row)

    points: dict[str, tuple[float, float]] = {}
    sources: dict[str, str] = {}
    for code, rows in by_code.items():
        if code in communes:
            pts = [(r.lon, r.lat) for r in rows if r.lat is not None and r.lon is not None]
            if pts:
                points[code] = pts[0]
                sources[code] = "laposte"

    by_cp_dep: dict[tuple[str, str], list[str]] = defaultdict(list)
    for c in communes.values():
        for cp in c["codes_postaux"]:
            by_cp_dep[(cp, c["departement"])].append(c["code"])

    old_codes: dict[str, tuple[str, str, str]] = {}
    unmapped: list[tuple[str, str, str]] = []
    target_of: dict[str, str] = {code: code for code in by_code if code in communes}
    for code, rows in sorted(by_code.items()):
        if code in communes:
            continue
        first = rows[0]
        candidates = sorted(set(by_cp_dep.get((first.code_postal, _dep_of(code)), [])))
        candidates = [c for c in candidates if communes[c]["type"] == "commune-actuelle"] or (
            candidates
        )
        if not candidates:
            for r in rows:
                unmapped.append((code, r.raw, "ancien code sans commune actuelle correspondante"))
            continue
        # a commune created by a merger after the file's date is absent from it
        new_ones = [c for c in candidates if c not in by_code]
        if len(candidates) == 1:
            target, method = candidates[0], "code_postal"
        elif len(new_ones) == 1:
            target, method = new_ones[0], "code_postal+commune nouvelle"
        else:
            origin = (first.lon, first.lat) if first.lat is not None else None
            with_point = [c for c in candidates if c in points]
            if origin and with_point:
                target = min(with_point, key=lambda c: (_dist2(points[c], origin), c))
                method = "code_postal+distance"
            else:
                target, method = candidates[0], "code_postal (premier)"
        old_codes[code] = (target, first.nom, method)
        target_of[code] = target

    # communes missing from La Poste: mean of the points of their old codes, or of
    # their arrondissements (Paris, Lyon, Marseille)
    members: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for old, (target, _nom, _m) in old_codes.items():
        row = by_code[old][0]
        if row.lat is not None:
            members[target].append((row.lon, row.lat))
    for c in communes.values():
        if c["commune_parente"] and c["code"] in points:
            members[c["commune_parente"]].append(points[c["code"]])
    for code, pts in members.items():
        if code not in points and code in communes:
            points[code] = (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))
            sources[code] = "laposte (moyenne des anciennes communes)"

    postcodes: dict[tuple[str, str], dict[str, Any]] = {}
    for code, rows in by_code.items():
        target = target_of.get(code)
        if not target:
            continue
        for r in rows:
            entry = postcodes.setdefault(
                (r.code_postal, target), {"libelle": r.libelle, "sources": set()}
            )
            entry["sources"].add("laposte")
    for c in communes.values():
        for cp in c["codes_postaux"]:
            entry = postcodes.setdefault((cp, c["code"]), {"libelle": None, "sources": set()})
            entry["sources"].add("cog")
    return Reconciled(points, sources, postcodes, old_codes, unmapped)


def read_geojson(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    return data.get("features", [])


def commune_properties(props: dict[str, Any]) -> dict[str, Any]:
    """Properties of a commune feature, tolerant of geo.api.gouv.fr's spellings."""
    code = props.get("code")
    return {
        "code": code,
        "nom": props.get("nom"),
        "departement": props.get("departement") or props.get("codeDepartement") or _dep_of(code),
        "region": props.get("region") or props.get("codeRegion"),
        "epci": props.get("epci") or props.get("codeEpci"),
        "ept": props.get("ept"),
        "arrondissement": props.get("arrondissement"),
        "population": props.get("population"),
        "codes_postaux": list(props.get("codesPostaux") or []),
        "nom_recherche": normalize_name(props.get("nom") or ""),
    }
