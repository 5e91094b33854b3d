"""BAN batch geocoding client, cache and acceptance rules, against a fake BAN on 127.0.0.1."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from mapdir.geo.geocode_cache import MemoryGeocodeCache, SqliteGeocodeCache
from mapdir.geo.geocoder import (
    BanClient,
    GeocodeQuery,
    Geocoder,
    GeocoderError,
    GeocodeResult,
    GeocoderUnavailable,
    ban_query_text,
    cache_key,
    same_commune,
)
from tests.ban_server import (
    RESULT_COLUMNS,
    BanAnswer,
    FakeBanServer,
    ban_server_fixture,  # noqa: F401  (pytest fixture "ban_server")
    closed_port_url,
)

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
HAUTE_VIENNE = SHARED_DATA / "offers" / "haute-vienne-acteurs-numerique-2023-04.json"

GAY_LUSSAC = GeocodeQuery("a", "3 Cours Gay Lussac", "87000", "87085", "Limoges")
MARECHAL_JUIN = GeocodeQuery("b", "1 bis Rue du Maréchal Juin", "87100", "87085", "Limoges")
NOWHERE = GeocodeQuery("c", "12 impasse Inconnue", "87000", "87085", "Limoges")
POSTCODE_ONLY = GeocodeQuery("d", "2 place de l'Église", "1000", None, "Bourg-en-Bresse")


def fast_client(url: str, **options) -> BanClient:
    return BanClient(url, timeout=options.pop("timeout", 2.0), retry_delay=0.0, **options)


def add(server: FakeBanServer, query: GeocodeQuery, **answer) -> None:
    """Teach the fake the answer to ``query`` (filtered on its INSEE code, if any)."""
    answer.setdefault("latitude", 45.83)
    answer.setdefault("longitude", 1.26)
    server.add(ban_query_text(query), BanAnswer(**answer), citycode=query.code_insee)


def test_fake_server_answers_the_real_result_columns_in_order():
    record = json.loads(HAUTE_VIENNE.read_text(encoding="utf-8"))[0]
    names = list(record)
    real_result_columns = names[names.index("latitude") :]
    print(f"\nreal BAN result columns: {len(real_result_columns)}")
    assert real_result_columns == list(RESULT_COLUMNS)


def test_upload_has_expected_columns_and_filter_parameters(ban_server):
    fast_client(ban_server.url).geocode_batch([GAY_LUSSAC, POSTCODE_ONLY])

    [request] = ban_server.requests
    assert request.path == "/search/csv/"
    assert request.form["columns"] == ["adresse_complete"]
    assert request.form["citycode"] == ["code_insee"]
    assert request.form["postcode"] == ["code_postal"]
    assert request.header == ["id", "adresse_complete", "code_insee", "code_postal"]
    with_insee, without_insee = request.rows
    assert with_insee["adresse_complete"] == "3 Cours Gay Lussac 87000 Limoges"
    assert (with_insee["code_insee"], with_insee["code_postal"]) == ("87085", "")
    # no INSEE code: filter on the postcode instead, leading zero restored
    assert (without_insee["code_insee"], without_insee["code_postal"]) == ("", "01000")
    assert without_insee["adresse_complete"] == "2 place de l'Église 01000 Bourg-en-Bresse"


def test_query_text_does_not_repeat_postcode_or_commune():
    query = GeocodeQuery("x", "3 Cours Gay Lussac, 87000 LIMOGES", "87000", None, "Limoges")
    assert ban_query_text(query) == "3 Cours Gay Lussac, 87000 LIMOGES"
    assert ban_query_text(GeocodeQuery("y", None, None, None, "Marval")) == "Marval"


def test_results_parsed_with_accents_and_empty_rows(ban_server):
    add(
        ban_server,
        MARECHAL_JUIN,
        latitude=45.829986,
        longitude=1.222764,
        score=0.91,
        label="1bis rue Maréchal Juin 87100 Limoges",
        city="Limoges",
    )
    skipped = GeocodeQuery("e", "(vide)", None, None, None)

    results = fast_client(ban_server.url).geocode_batch([MARECHAL_JUIN, NOWHERE, skipped])

    found = results["b"]
    assert (found.latitude, found.longitude, found.score) == (45.829986, 1.222764, 0.91)
    assert found.label == "1bis rue Maréchal Juin 87100 Limoges"
    assert (found.citycode, found.result_type, found.status) == ("87085", "housenumber", "ok")
    assert results["c"].status == "not-found" and results["c"].latitude is None
    assert results["e"].status == "skipped" and results["e"].score is None
    assert "Maréchal" in ban_server.requests[0].csv_text  # sent as UTF-8, not mangled


def test_real_haute_vienne_answers_parse_back_identically(ban_server):
    records = json.loads(HAUTE_VIENNE.read_text(encoding="utf-8"))
    chosen = {}
    for record in records:
        if record["result_status"] == "ok" and record["adresse"]:
            chosen.setdefault(record["adresse"], record)
    queries = []
    for record in chosen.values():
        query = GeocodeQuery(
            str(record["objectid"]),
            record["adresse"],
            str(record["code_postal"]),
            None,
            record["commune"],
        )
        queries.append(query)
        ban_server.add(
            ban_query_text(query),
            BanAnswer(
                latitude=record["latitude"],
                longitude=record["longitude"],
                score=record["result_score"],
                result_type=record["result_type"],
                citycode=str(record["result_citycode"]).zfill(5),
                label=record["result_label"],
                city=record["result_city"],
                postcode=str(record["result_postcode"]),
                context=record["result_context"],
            ),
        )

    results = fast_client(ban_server.url, batch_size=100).geocode_batch(queries)

    print(f"\nHaute-Vienne distinct addresses geocoded through the fake: {len(results)}")
    assert len(results) == len(chosen) > 100
    for record in chosen.values():
        result = results[str(record["objectid"])]
        assert (result.latitude, result.longitude) == (record["latitude"], record["longitude"])
        assert result.score == record["result_score"]
        assert result.result_type == record["result_type"]
        assert result.label == record["result_label"]


def test_scores_below_threshold_are_not_accepted(ban_server):
    add(ban_server, GAY_LUSSAC, score=0.749)
    add(ban_server, MARECHAL_JUIN, score=0.75, result_type="street")

    outcomes = Geocoder(fast_client(ban_server.url), MemoryGeocodeCache()).geocode(
        [GAY_LUSSAC, MARECHAL_JUIN, NOWHERE]
    )

    low, enough, missing = outcomes["a"], outcomes["b"], outcomes["c"]
    assert not low.accepted and "seuil" in low.reason
    assert (low.precision, low.score) == ("adresse", 0.749)  # BAN's point is still described
    assert enough.accepted and enough.precision == "rue" and enough.reason is None
    assert not missing.accepted and missing.status == "not-found"


@pytest.mark.parametrize(
    ("result_type", "precision"),
    [
        ("housenumber", "adresse"),
        ("street", "rue"),
        ("locality", "rue"),
        ("municipality", "commune"),
    ],
)
def test_precision_follows_ban_result_type(ban_server, result_type, precision):
    add(ban_server, GAY_LUSSAC, score=0.9, result_type=result_type)
    outcome = Geocoder(fast_client(ban_server.url), MemoryGeocodeCache()).geocode([GAY_LUSSAC])
    assert outcome["a"].precision == precision and outcome["a"].accepted


def test_citycode_mismatch_is_not_accepted(ban_server):
    add(ban_server, GAY_LUSSAC, score=0.95, citycode="87028")
    merged = GeocodeQuery("m", "1 rue du Bourg", None, "87136", "Saint-Barbant")
    add(ban_server, merged, score=0.9, citycode="87028", oldcitycode="87136")

    outcomes = Geocoder(fast_client(ban_server.url), MemoryGeocodeCache()).geocode(
        [GAY_LUSSAC, merged]
    )

    assert not outcomes["a"].accepted
    assert "87028" in outcomes["a"].reason and "87085" in outcomes["a"].reason
    assert outcomes["m"].accepted  # former commune absorbed into the result's commune


@pytest.mark.parametrize("cache_kind", ["memory", "sqlite"])
def test_second_run_makes_no_request(ban_server, tmp_path, cache_kind):
    add(ban_server, GAY_LUSSAC, score=0.97)
    add(ban_server, MARECHAL_JUIN, score=0.42)
    queries = [GAY_LUSSAC, MARECHAL_JUIN, NOWHERE]
    memory = MemoryGeocodeCache()

    def new_cache():
        return memory if cache_kind == "memory" else SqliteGeocodeCache(tmp_path / "cache")

    first = Geocoder(fast_client(ban_server.url), new_cache()).geocode(queries)
    requests_after_first = len(ban_server.requests)
    # same queries written differently (case, spaces, accents) hit the same cache entries
    rewritten = [GeocodeQuery("z", "3 COURS GAY  LUSSAC", "87000", "87085", "LIMOGES")]
    second = Geocoder(fast_client(ban_server.url), new_cache()).geocode(queries + rewritten)

    print(
        f"\n{cache_kind}: requests first run {requests_after_first}, "
        f"second run {len(ban_server.requests) - requests_after_first}"
    )
    assert requests_after_first == 1
    assert len(ban_server.requests) == 1
    assert all(outcome.from_cache for outcome in second.values())
    for key in ("a", "b", "c"):  # not-found and low score are cached with the same verdict
        assert (second[key].accepted, second[key].status) == (
            first[key].accepted,
            first[key].status,
        )
    assert (second["z"].latitude, second["z"].accepted) == (first["a"].latitude, True)


def test_batches_split_at_batch_size_and_duplicates_asked_once(ban_server):
    queries = [
        GeocodeQuery(f"k{n}", f"{n} rue de la Paix", "87000", "87085", "Limoges")
        for n in range(1, 6)
    ]
    duplicates = [
        GeocodeQuery(f"dup{n}", f"{n} RUE DE LA PAIX", "87000", "87085", "Limoges") for n in (1, 2)
    ]

    outcomes = Geocoder(fast_client(ban_server.url, batch_size=2), MemoryGeocodeCache()).geocode(
        queries + duplicates
    )

    sizes = [len(request.rows) for request in ban_server.requests]
    print(f"\nrows per request with batch_size=2: {sizes}")
    assert sizes == [2, 2, 1]
    assert len(outcomes) == 7 and outcomes["dup1"].status == "not-found"


@pytest.mark.parametrize("status", [503, 502, 429])
def test_503_then_success_is_retried_once(ban_server, status):
    add(ban_server, GAY_LUSSAC, score=0.9)
    ban_server.fail_next(times=1, status=status)

    results = fast_client(ban_server.url).geocode_batch([GAY_LUSSAC])

    assert len(ban_server.requests) == 2
    assert results["a"].status == "ok"


def test_timeout_then_success_is_retried_once(ban_server):
    add(ban_server, GAY_LUSSAC, score=0.9)
    ban_server.delay_next(1.5)

    results = fast_client(ban_server.url, timeout=0.5).geocode_batch([GAY_LUSSAC])

    assert len(ban_server.requests) == 2
    assert results["a"].score == 0.9


def test_two_503_give_up_without_caching(ban_server):
    ban_server.fail_next(times=2, status=503)
    cache = MemoryGeocodeCache()

    with pytest.raises(GeocoderUnavailable, match="503"):
        Geocoder(fast_client(ban_server.url), cache).geocode([GAY_LUSSAC])

    assert len(ban_server.requests) == 2  # one retry, not more
    assert len(cache) == 0


@pytest.mark.parametrize("cache_kind", ["memory", "sqlite"])
def test_unreachable_service_raises_and_caches_nothing(tmp_path, cache_kind):
    """A refused connection makes the geocoder give up (GeocoderUnavailable) and cache
    nothing. How long it takes is printed, not asserted: durations belong to benchmarks."""
    cache = MemoryGeocodeCache() if cache_kind == "memory" else SqliteGeocodeCache(tmp_path)
    client = BanClient(closed_port_url(), timeout=60.0, retry_delay=0.1)

    started = time.monotonic()
    with pytest.raises(GeocoderUnavailable):
        Geocoder(client, cache).geocode([GAY_LUSSAC, NOWHERE])
    elapsed = time.monotonic() - started

    print(f"\n{cache_kind}: unreachable service detected in {elapsed:.2f} s")
    assert len(cache) == 0
    assert cache.get_many([cache_key(GAY_LUSSAC)]) == {}


def test_server_going_down_mid_run_keeps_earlier_batches(ban_server):
    add(ban_server, GAY_LUSSAC, score=0.9)
    cache = MemoryGeocodeCache()
    ban_server.fail_next(times=2, status=503, after=1)  # batch 1 ok, batch 2 fails twice

    with pytest.raises(GeocoderUnavailable) as raised:
        Geocoder(fast_client(ban_server.url, batch_size=1), cache).geocode([GAY_LUSSAC, NOWHERE])

    assert set(raised.value.partial) == {"a"} and raised.value.partial["a"].accepted
    assert len(cache) == 1
    ban_server.fail_next(times=0)
    outcomes = Geocoder(fast_client(ban_server.url, batch_size=1), cache).geocode(
        [GAY_LUSSAC, NOWHERE]
    )
    assert [row["adresse_complete"] for row in ban_server.requests[-1].rows] == [
        ban_query_text(NOWHERE)
    ]
    assert outcomes["a"].from_cache and not outcomes["c"].from_cache


def test_context_manager_server_becomes_unreachable():
    with FakeBanServer() as server:
        client = fast_client(server.url)
        client.geocode_batch([NOWHERE])
        server.make_unreachable()
        with pytest.raises(GeocoderUnavailable):
            client.geocode_batch([NOWHERE])
    assert len(server.requests) == 1


def test_empty_query_is_not_sent(ban_server):
    outcomes = Geocoder(fast_client(ban_server.url), MemoryGeocodeCache()).geocode(
        [GeocodeQuery("blank", "  ", None, None, None)]
    )
    assert ban_server.requests == []
    assert outcomes["blank"].status == "skipped" and not outcomes["blank"].accepted


def test_same_commune_knows_former_communes_and_arrondissements():
    paris_15 = GeocodeResult(48.84, 2.29, 0.9, "housenumber", "x", "75115", "ok")
    merged = GeocodeResult(46.2, 0.9, 0.9, "street", "x", "87028", "ok", oldcitycode="87136")
    assert same_commune("75056", paris_15) and same_commune("75115", paris_15)
    assert same_commune("87136", merged) and same_commune("87028", merged)
    assert not same_commune("87085", merged) and not same_commune("69123", paris_15)


def test_client_error_is_not_retried(ban_server):
    ban_server.fail_next(times=1, status=400)
    with pytest.raises(GeocoderError, match="HTTP 400") as raised:
        fast_client(ban_server.url).geocode_batch([GAY_LUSSAC])
    assert not isinstance(raised.value, GeocoderUnavailable)
    assert len(ban_server.requests) == 1
