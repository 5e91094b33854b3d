"""Where the reference geography files come from: a local folder or their public address.

With a folder (``--from DIR``, e.g. the offline mirror ``../shared/data``) the files are
found by name under ``DIR/cog`` and ``DIR/geo`` (or directly in ``DIR``). Without one, they
are downloaded once from their public addresses into ``var/cache/geo`` and converted to the
same shapes, so that the importer reads both with the same code.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path

import requests

from mapdir.errors import SetupError

GEO_API = os.environ.get("MAPDIR_GEO_API_URL", "https://geo.api.gouv.fr")
LAPOSTE_URL = os.environ.get(
    "MAPDIR_LAPOSTE_URL",
    "https://datanova.laposte.fr/data-fair/api/v1/datasets/laposte-hexasmal/raw",
)
COMMUNES_CSV_COLUMNS = [
    "code_insee",
    "nom",
    "type",
    "departement",
    "nom_departement",
    "region",
    "nom_region",
    "arrondissement",
    "zone",
    "siren",
    "epci",
    "nom_epci",
    "ept",
    "nom_ept",
    "population",
    "codes_postaux",
    "commune_parente",
]


def _newest(candidates: list[Path]) -> Path | None:
    return sorted(candidates)[-1] if candidates else None


@dataclass
class LocalGeoFiles:
    """Files found in a folder laid out like the offline mirror."""

    root: Path

    def _find(self, pattern: str) -> Path | None:
        for sub in ("cog", "geo", "."):
            found = _newest(list((self.root / sub).glob(pattern)))
            if found:
                return found
        return None

    def _need(self, pattern: str, what: str) -> Path:
        found = self._find(pattern)
        if not found:
            raise SetupError(f"Fichier introuvable dans {self.root} : {what} ({pattern}).")
        return found

    def communes_csv(self) -> Path:
        return self._need("communes-france-*.csv", "liste des communes")

    def laposte_csv(self) -> Path:
        return self._need("laposte-hexasmal-*.csv", "base des codes postaux La Poste")

    def epci_csv(self) -> Path | None:
        return self._find("epci-france-*.csv")

    def communes_geojson(self, dep: str) -> Path:
        return self._need(f"communes-{dep}.geojson", f"contours des communes du {dep}")

    def epci_geojson(self, dep: str) -> list[Path]:
        files = [p for p in (self.root / "geo").glob("epci-*.geojson") if dep in p.stem.split("-")]
        files += [p for p in (self.root / "geo").glob("ept-*.geojson") if dep in p.stem.split("-")]
        return sorted(files)

    def cantons_geojson(self, dep: str) -> Path | None:
        return self._find(f"cantons-{dep}-*.geojson")

    def departements_geojson(self) -> Path | None:
        return self._find("departements.geojson")


class DownloadedGeoFiles(LocalGeoFiles):
    """Downloads the public files into a cache folder, then reads them like local ones."""

    def __init__(self, cache: Path, session: requests.Session | None = None):
        super().__init__(cache)
        self.session = session or requests.Session()
        (cache / "cog").mkdir(parents=True, exist_ok=True)
        (cache / "geo").mkdir(parents=True, exist_ok=True)

    def _get(self, url: str) -> requests.Response:
        try:
            resp = self.session.get(url, timeout=120)
            resp.raise_for_status()
        except requests.RequestException as exc:
            raise SetupError(f"Téléchargement impossible : {url} ({type(exc).__name__}).") from exc
        return resp

    def communes_csv(self) -> Path:
        target = self.root / "cog" / "communes-france-download.csv"
        if target.exists():
            return target
        fields = "nom,code,codesPostaux,codeDepartement,codeRegion,codeEpci,population,type"
        url = f"{GEO_API}/communes?fields={fields}&type=commune-actuelle,arrondissement-municipal"
        rows = self._get(url).json()
        tmp = target.with_suffix(".tmp")
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, COMMUNES_CSV_COLUMNS)
            writer.writeheader()
            for r in rows:
                writer.writerow(
                    {
                        "code_insee": r["code"],
                        "nom": r["nom"],
                        "type": r.get("type", "commune-actuelle"),
                        "departement": r.get("codeDepartement", ""),
                        "region": r.get("codeRegion", ""),
                        "epci": r.get("codeEpci", ""),
                        "population": r.get("population", ""),
                        "codes_postaux": "|".join(r.get("codesPostaux", [])),
                        "commune_parente": r.get("chefLieu", ""),
                    }
                )
        tmp.replace(target)
        return target

    def laposte_csv(self) -> Path:
        target = self.root / "cog" / "laposte-hexasmal-download.csv"
        if not target.exists():
            target.write_bytes(self._get(LAPOSTE_URL).content)
        return target

    def epci_csv(self) -> Path | None:
        return None

    def communes_geojson(self, dep: str) -> Path:
        target = self.root / "geo" / f"communes-{dep}.geojson"
        if not target.exists():
            fields = "code,nom,codesPostaux,codeEpci,codeDepartement,codeRegion,population"
            url = (
                f"{GEO_API}/departements/{dep}/communes?format=geojson&geometry=contour"
                f"&fields={fields}"
            )
            target.write_text(json.dumps(self._get(url).json()), encoding="utf-8")
        return target

    def epci_geojson(self, dep: str) -> list[Path]:
        target = self.root / "geo" / f"epci-{dep}.geojson"
        if not target.exists():
            url = f"{GEO_API}/epcis?codeDepartement={dep}&format=geojson&geometry=contour"
            try:
                target.write_text(json.dumps(self._get(url).json()), encoding="utf-8")
            except SetupError:
                return []
        return [target]

    def cantons_geojson(self, dep: str) -> Path | None:
        return None

    def departements_geojson(self) -> Path | None:
        target = self.root / "geo" / "departements.geojson"
        if not target.exists():
            url = f"{GEO_API}/departements?format=geojson&geometry=contour"
            try:
                target.write_text(json.dumps(self._get(url).json()), encoding="utf-8")
            except SetupError:
                return None
        return target


def geo_files(from_dir: Path | None, cache_dir: Path) -> LocalGeoFiles:
    if from_dir is not None:
        if not from_dir.is_dir():
            raise SetupError(f"Dossier introuvable : {from_dir}")
        return LocalGeoFiles(from_dir)
    return DownloadedGeoFiles(cache_dir / "geo")
