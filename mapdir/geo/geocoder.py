"""Geocode addresses with the national address service (BAN) batch CSV endpoint, with a cache.

``BanClient`` talks HTTP (``POST /search/csv/``), ``Geocoder`` adds the cache and the
acceptance rules (score threshold, commune consistency) and says how precise each point is.
A cache is any object with ``get_many(keys) -> dict`` and ``put_many(dict)``
(mapdir.geo.geocode_cache: in memory, sqlite file, PostGIS). ``ban_geocoder`` builds one
from the settings, for the import (etl) and the back-office alike.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from itertools import islice
from typing import Protocol

import requests

from mapdir.config import Settings
from mapdir.text import normalize_name

# Names of the columns of the CSV we upload (the form fields name them).
ID_COLUMN = "id"
QUERY_COLUMN = "adresse_complete"
CITYCODE_COLUMN = "code_insee"
POSTCODE_COLUMN = "code_postal"
UPLOAD_COLUMNS = (ID_COLUMN, QUERY_COLUMN, CITYCODE_COLUMN, POSTCODE_COLUMN)
# BAN applies a filter only on rows where its column is filled: we fill one or the other.
_FORM_FIELDS = {"columns": QUERY_COLUMN, "citycode": CITYCODE_COLUMN, "postcode": POSTCODE_COLUMN}

# result_type → our precision label (BAN types: housenumber, street, locality, municipality).
PRECISION_BY_TYPE = {
    "housenumber": "adresse",
    "street": "rue",
    "locality": "rue",  # lieu-dit: a named place, about as precise as a street
    "municipality": "commune",
}
# Code prefix of the municipal arrondissements of Paris, Lyon, Marseille → their commune.
_PLM_PARENT = {"751": "75056", "6938": "69123", "132": "13055"}
_INSEE_RE = re.compile(r"^(\d{5}|2[AB]\d{3})$")


class GeocoderError(Exception):
    """The geocoder answered something unusable (bad request, unreadable answer)."""


class GeocoderUnavailable(GeocoderError):
    """Service unreachable (refused, timeout, 5xx or 429 after one retry).

    ``partial`` holds what was obtained before: earlier batches' results, or the outcomes
    the ``Geocoder`` already knew."""

    def __init__(self, message: str, partial: Mapping | None = None):
        super().__init__(message)
        self.partial = dict(partial or {})


@dataclass(frozen=True)
class GeocodeQuery:
    """One address to geocode; ``key`` is the caller's identifier, returned with the result."""

    key: str
    adresse: str | None = None
    code_postal: str | None = None
    code_insee: str | None = None
    commune: str | None = None


@dataclass(frozen=True)
class GeocodeResult:
    """BAN's answer for one row. ``status`` is "ok", "not-found" or "skipped"; only "ok" has
    coordinates. ``citycode``/``oldcitycode`` are the result's current and former commune."""

    latitude: float | None
    longitude: float | None
    score: float | None
    result_type: str | None
    label: str | None
    citycode: str | None
    status: str
    oldcitycode: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping) -> GeocodeResult:
        return cls(**{name: data.get(name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Outcome:
    """What the ETL needs for one query.

    ``latitude/longitude/precision/score`` describe BAN's best point even when it is not
    accepted; when ``accepted`` is False the caller falls back to the commune point and
    records precision "commune" itself. ``reason`` is a French sentence when not accepted.
    """

    status: str  # "ok", "not-found", "skipped", "erreur"
    accepted: bool
    latitude: float | None = None
    longitude: float | None = None
    precision: str | None = None  # "adresse", "rue", "commune"
    score: float | None = None
    label: str | None = None
    citycode: str | None = None
    reason: str | None = None
    from_cache: bool = False


def _code_text(value: object) -> str:
    """A code read as text or number: trimmed, upper case, a leading zero lost by a number back."""
    text = "" if value is None else str(value).strip().upper().removesuffix(".0")
    return "0" + text if text.isdigit() and len(text) == 4 else text


def clean_postcode(value: object) -> str | None:
    """Five-digit postcode or None ("1000" → "01000")."""
    text = _code_text(value)
    return text if text.isdigit() and len(text) == 5 else None


def clean_insee(value: object) -> str | None:
    """INSEE commune code (5 characters, Corsica 2A/2B) or None."""
    text = _code_text(value)
    return text if _INSEE_RE.match(text) else None


def ban_query_text(query: GeocodeQuery) -> str:
    """The free text sent to BAN: address, then postcode and commune unless already in it."""
    adresse = " ".join((query.adresse or "").split())
    parts = [adresse] if adresse else []
    postcode = clean_postcode(query.code_postal)
    if postcode and postcode not in adresse:
        parts.append(postcode)
    commune = " ".join((query.commune or "").split())
    if commune and f" {normalize_name(commune)} " not in f" {normalize_name(adresse)} ":
        parts.append(commune)
    return " ".join(parts)


def cache_key(query: GeocodeQuery) -> str:
    """Normalised (adresse, code_postal, code_insee, commune): equal for equivalent queries.

    The commune name is part of the key because many records have no street address and
    no INSEE code, only a commune name.
    """
    return "|".join(
        (
            normalize_name(query.adresse or ""),
            clean_postcode(query.code_postal) or "",
            clean_insee(query.code_insee) or "",
            normalize_name(query.commune or ""),
        )
    )


def same_commune(requested: str, result: GeocodeResult) -> bool:
    """True if BAN's commune (current or former) is the requested one, arrondissements included."""
    found = {code for code in (result.citycode, result.oldcitycode) if code}
    parent_communes = {_PLM_PARENT.get(code[:3]) or _PLM_PARENT.get(code[:4]) for code in found}
    return requested in found | parent_communes


class BanClient:
    """Client of BAN's ``POST /search/csv/``: one multipart upload per batch of rows."""

    def __init__(
        self,
        base_url: str,
        timeout: float | tuple[float, float] = (10.0, 300.0),
        batch_size: int = 5000,
        session: requests.Session | None = None,
        retry_delay: float = 2.0,
    ):
        if batch_size < 1:
            raise ValueError("batch_size must be positive")
        self.endpoint = base_url.rstrip("/") + "/search/csv/"
        self.timeout = timeout
        self.batch_size = batch_size
        self.session = session or requests.Session()
        self.retry_delay = retry_delay

    def geocode_batch(self, queries: Iterable[GeocodeQuery]) -> dict[str, GeocodeResult | None]:
        """Geocode all queries; value None when BAN gave no usable answer for that row.

        Raises ``GeocoderUnavailable`` (with ``partial`` = earlier batches) if unreachable.
        """
        results: dict[str, GeocodeResult | None] = {}
        try:
            for batch_results in self.iter_batches(queries):
                results.update(batch_results)
        except GeocoderUnavailable as error:
            raise GeocoderUnavailable(str(error), partial=results) from error
        return results

    def iter_batches(
        self, queries: Iterable[GeocodeQuery]
    ) -> Iterator[dict[str, GeocodeResult | None]]:
        """Yield the results batch by batch (``batch_size`` rows per request)."""
        remaining = iter(queries)
        while batch := list(islice(remaining, self.batch_size)):
            yield self._geocode_one_batch(batch)

    def _geocode_one_batch(self, batch: Sequence[GeocodeQuery]) -> dict[str, GeocodeResult | None]:
        by_row_id = parse_answer_csv(self._post_with_retry(build_upload_csv(batch)))
        return {q.key: by_row_id.get(str(index)) for index, q in enumerate(batch)}

    def _post_with_retry(self, body: bytes) -> str:
        last_problem = ""
        for attempt in range(2):
            if attempt:
                time.sleep(self.retry_delay)
            try:
                response = self.session.post(
                    self.endpoint,
                    data=_FORM_FIELDS,
                    files={"data": ("adresses.csv", body, "text/csv")},
                    timeout=self.timeout,
                )
            except requests.Timeout:
                last_problem = "délai d'attente dépassé"
                continue
            except requests.ConnectionError as error:
                last_problem = f"connexion impossible ({type(error).__name__})"
                continue
            if response.status_code >= 500 or response.status_code == 429:  # 429: rate limit
                last_problem = f"erreur HTTP {response.status_code}"
                continue
            if response.status_code != 200:
                raise GeocoderError(
                    f"Le géocodeur a refusé la requête (HTTP {response.status_code}) : "
                    f"{response.text[:200]}"
                )
            return response.content.decode("utf-8-sig", errors="replace")
        raise GeocoderUnavailable(
            f"Service d'adresses injoignable ({self.endpoint}) : {last_problem}"
        )


def build_upload_csv(batch: Sequence[GeocodeQuery]) -> bytes:
    """UTF-8 CSV: row id, query text, INSEE code (filter) or else postcode (filter)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(UPLOAD_COLUMNS)
    for index, query in enumerate(batch):
        insee = clean_insee(query.code_insee)
        postcode = None if insee else clean_postcode(query.code_postal)
        writer.writerow((index, ban_query_text(query), insee or "", postcode or ""))
    return buffer.getvalue().encode("utf-8")


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None


def parse_answer_csv(text: str) -> dict[str, GeocodeResult | None]:
    """Row id → result, from BAN's answer (columns located by name, not by position)."""
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    if ID_COLUMN not in header or "result_status" not in header:
        raise GeocoderError("Réponse du géocodeur illisible (colonnes attendues absentes).")
    results: dict[str, GeocodeResult | None] = {}
    for row in reader:
        status = row.get("result_status") or ""
        latitude, longitude = _float(row.get("latitude")), _float(row.get("longitude"))
        if status == "ok" and latitude is not None and longitude is not None:
            results[row[ID_COLUMN]] = GeocodeResult(
                latitude=latitude,
                longitude=longitude,
                score=_float(row.get("result_score")),
                result_type=row.get("result_type") or None,
                label=row.get("result_label") or None,
                citycode=row.get("result_citycode") or None,
                status="ok",
                oldcitycode=row.get("result_oldcitycode") or None,
            )
        elif status in ("not-found", "skipped"):
            results[row[ID_COLUMN]] = GeocodeResult(None, None, None, None, None, None, status)
        else:  # "error", "aborted" or a broken row: no usable answer, not cached
            results[row[ID_COLUMN]] = None
    return results


class GeocodeCache(Protocol):
    """Storage of BAN answers by normalised query key."""

    def get_many(self, keys: Iterable[str]) -> dict[str, GeocodeResult]: ...

    def put_many(self, entries: Mapping[str, GeocodeResult]) -> None: ...


class Geocoder:
    """Cache first, then BAN for the rest; judges each answer against ``min_score``."""

    def __init__(self, client: BanClient, cache: GeocodeCache, min_score: float = 0.75):
        self.client = client
        self.cache = cache
        self.min_score = min_score

    def geocode(self, queries: Iterable[GeocodeQuery]) -> dict[str, Outcome]:
        """Caller key → Outcome. Identical queries are asked once; answers are cached
        (not-found and low scores included) as soon as each batch arrives.

        Raises ``GeocoderUnavailable`` whose ``partial`` holds the outcomes already known.
        """
        queries = list(queries)
        key_of = {q.key: cache_key(q) for q in queries}
        cached = self.cache.get_many(set(key_of.values()))
        to_ask: dict[str, GeocodeQuery] = {}
        for query in queries:
            ckey = key_of[query.key]
            if ckey not in cached and ckey not in to_ask and ban_query_text(query):
                to_ask[ckey] = GeocodeQuery(
                    ckey, query.adresse, query.code_postal, query.code_insee, query.commune
                )
        fresh: dict[str, GeocodeResult | None] = {}
        try:
            for batch_results in self.client.iter_batches(to_ask.values()):
                fresh.update(batch_results)
                self.cache.put_many({k: r for k, r in batch_results.items() if r is not None})
        except GeocoderUnavailable as error:
            answered = {
                q.key: q for q in queries if key_of[q.key] in cached or key_of[q.key] in fresh
            }
            partial = self._outcomes(answered.values(), key_of, cached, fresh)
            raise GeocoderUnavailable(str(error), partial=partial) from error
        return self._outcomes(queries, key_of, cached, fresh)

    def _outcomes(
        self,
        queries: Iterable[GeocodeQuery],
        key_of: Mapping[str, str],
        cached: Mapping[str, GeocodeResult],
        fresh: Mapping[str, GeocodeResult | None],
    ) -> dict[str, Outcome]:
        outcomes = {}
        for query in queries:
            ckey = key_of[query.key]
            if ckey in cached:
                outcomes[query.key] = self.judge(query, cached[ckey], from_cache=True)
            elif ckey in fresh:
                outcomes[query.key] = self.judge(query, fresh[ckey])
            else:
                outcomes[query.key] = Outcome("skipped", False, reason="Aucune adresse à géocoder.")
        return outcomes

    def judge(
        self, query: GeocodeQuery, result: GeocodeResult | None, from_cache: bool = False
    ) -> Outcome:
        """Turn one BAN answer into an Outcome (accepted or not, with a French reason)."""
        if result is None:
            return Outcome("erreur", False, reason="Le géocodeur n'a pas traité cette adresse.")
        if result.status != "ok":
            reason = "Adresse introuvable." if result.status == "not-found" else "Adresse vide."
            return Outcome(result.status, False, reason=reason, from_cache=from_cache)
        reason = None
        score = result.score if result.score is not None else 0.0
        requested = clean_insee(query.code_insee)
        if score < self.min_score:
            shown = f"{score:.3f} inférieur au seuil {self.min_score:.2f}".replace(".", ",")
            reason = f"Score {shown}."
        elif requested and not same_commune(requested, result):
            reason = f"Commune trouvée ({result.citycode}) différente de la commune ({requested})."
        return Outcome(
            status="ok",
            accepted=reason is None,
            latitude=result.latitude,
            longitude=result.longitude,
            precision=PRECISION_BY_TYPE.get(result.result_type or ""),
            score=result.score,
            label=result.label,
            citycode=result.citycode,
            reason=reason,
            from_cache=from_cache,
        )


def ban_geocoder(
    settings: Settings,
    cache: GeocodeCache,
    *,
    timeout: float | tuple[float, float] = (10.0, 300.0),
    retry_delay: float = 2.0,
) -> Geocoder:
    """The BAN geocoder of the settings (``MAPDIR_BAN_URL``, ``MAPDIR_BAN_MIN_SCORE``) over
    ``cache``: the one factory of the import and the back-office."""
    client = BanClient(settings["MAPDIR_BAN_URL"], timeout=timeout, retry_delay=retry_delay)
    return Geocoder(client, cache, min_score=settings.float("MAPDIR_BAN_MIN_SCORE"))
