"""OGC API Features (pygeoapi under /ogc/): read the way QGIS reads it, through GDAL's OAPIF
driver against a live server, and checked against the GeoJSON export and the planner."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pyogrio
import pytest
import requests
from sqlalchemy import text

from mapdir.config import PROJECT_ROOT, Settings
from mapdir.geo.travel import drive_minutes
from mapdir.ogc.config import COLLECTIONS, connection_data, pygeoapi_config
from mapdir.planner.access import commune_access
from mapdir.planner.travel import classify

FEATURES_CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def live_real_server(real_directory, tmp_path_factory):
    """The site on the real directory, served by gunicorn in its own process (as deployed)."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": real_directory.url.render_as_string(hide_password=False),
        "MAPDIR_SECURE_COOKIES": "0",
        "MAPDIR_VAR_DIR": str(tmp_path_factory.mktemp("ogc-var")),
        "MAPDIR_PUBLIC_URL": "",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "app:app",
        ],  # fmt: skip
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # wait for the worker (a wide bound, not a timing)
            try:
                if requests.get(f"{base}/sante", timeout=5).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):  # not up yet, or a busy machine
                time.sleep(0.2)
        else:
            pytest.fail("the live server did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def _bbox_87(real_directory) -> tuple[float, float, float, float]:
    with real_directory.connect() as c:
        box = c.execute(
            text(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)"
                " FROM (SELECT ST_Extent(geom) AS e FROM departement WHERE code = '87') x"
            )
        ).one()
    return tuple(round(v, 4) for v in box)


def test_qgis_reads_the_offers_of_87_as_the_geojson_export(live_real_server, real_directory):
    bbox = _bbox_87(real_directory)
    url = f"OAPIF:{live_real_server}/ogc"
    layers = {name for name, _ in pyogrio.list_layers(url)}
    assert layers == set(COLLECTIONS)
    frame = pyogrio.read_dataframe(url, layer="offres", bbox=bbox, fid_as_index=True)
    export = requests.get(
        f"{live_real_server}/api/v1/offres.geojson",
        params={"bbox": ",".join(map(str, bbox)), "limite": 20000},
        timeout=60,
    ).json()
    expected = {f["id"] for f in export["features"]}
    print(
        f"\nOAPIF (GDAL {pyogrio.__gdal_version_string__}) offres, bbox 87 {bbox}:"
        f" {len(frame)} entités lues ; export GeoJSON : {len(expected)}"
    )
    assert not export["tronque"] and len(expected) > 250
    assert set(frame.index) == expected and len(frame) == len(expected)
    by_id = {f["id"]: f for f in export["features"]}
    for fid, row in frame.sample(20, random_state=87).iterrows():
        feature = by_id[fid]
        assert row["nom"] == feature["properties"]["nom"]
        lon, lat = feature["geometry"]["coordinates"]
        assert abs(row.geometry.x - lon) < 1e-6 and abs(row.geometry.y - lat) < 1e-6
    communes = pyogrio.read_dataframe(url, layer="communes", where="departement = '87'")
    assert len(communes) == 195 and set(communes.geom_type) == {"MultiPolygon"}
    # the accessibility columns (migration 0012; their values: test_ogc_accessibility.py)
    for mode in ("voiture", "sans_voiture"):
        assert {f"accessibilite_{mode}", f"classe_{mode}", f"duree_aide_{mode}_min"} <= set(
            communes.columns
        )


def test_landing_conformance_collections_and_paging(live_real_server):
    base = f"{live_real_server}/ogc"
    landing = requests.get(f"{base}/?f=json", timeout=30).json()
    assert {"service-desc", "conformance", "data"} <= {link["rel"] for link in landing["links"]}
    assert all(link["href"].startswith(base) for link in landing["links"] if link["rel"] == "data")
    conformance = requests.get(f"{base}/conformance?f=json", timeout=30).json()["conformsTo"]
    assert FEATURES_CORE in conformance
    collections = requests.get(f"{base}/collections?f=json", timeout=30).json()["collections"]
    assert {c["id"] for c in collections} == set(COLLECTIONS)
    first = requests.get(
        f"{base}/collections/offres/items",
        params={"f": "json", "limit": 5, "code_insee": "87085"},
        timeout=30,
    ).json()
    assert first["numberReturned"] == 5 and first["numberMatched"] > 5
    assert all(f["properties"]["code_insee"] == "87085" for f in first["features"])
    (following,) = [link["href"] for link in first["links"] if link["rel"] == "next"]
    second = requests.get(following, timeout=30).json()
    ids = lambda page: {f["id"] for f in page["features"]}  # noqa: E731
    assert second["features"] and not ids(first) & ids(second)
    item = requests.get(f"{base}/collections/communes/items/87190?f=json", timeout=30).json()
    assert item["properties"]["nom"] == "Sauviat-sur-Vige"
    assert item["properties"]["permanences_actives"] == 1


def test_communes_coverage_matches_the_planner(live_real_server, real_directory):
    """The view's nearest offer and class are the planner's (mapdir/planner/access.py)."""
    features = requests.get(
        f"{live_real_server}/ogc/collections/communes/items",
        params={"f": "json", "departement": "87", "limit": 1000},
        timeout=120,
    ).json()["features"]
    view = {f["id"]: f["properties"] for f in features}
    with real_directory.connect() as c:
        planner = {a.code: a for a in commune_access(c, "87")}
    assert set(view) == set(planner)
    settings = Settings.from_env()
    detour, speed = settings.float("MAPDIR_DETOUR_FACTOR"), settings.float("MAPDIR_SPEED_KMH")
    covered, white = settings.float("MAPDIR_COVERED_MIN"), settings.float("MAPDIR_WHITE_ZONE_MIN")
    for code, access in planner.items():
        props = view[code]
        # the same nearest offer, or a tie within metres (rounded to 10 m in the view)
        assert abs(props["distance_offre_km"] * 1000 - access.distance_m) <= 6, code
        minutes = drive_minutes(access.distance_m, detour, speed)
        assert abs(props["temps_acces_min"] - minutes) <= 0.06, code
        assert props["couverture"] == classify(minutes, covered, white), code
    print(f"\ncommunes de 87 : {len(view)}, comme le planificateur (distance, temps, classe)")


def test_html_pages_are_french_and_self_contained(real_client):
    for path in (
        "/ogc/?f=html",
        "/ogc/collections?f=html",
        "/ogc/collections/offres?f=html",
        "/ogc/collections/offres/items?f=html&limit=3",
        "/ogc/collections/communes/items/87190?f=html",
        "/ogc/collections/offres/queryables?f=html",
        "/ogc/conformance?f=html",
    ):
        r = real_client.get(path)
        body = r.get_data(as_text=True)
        assert r.status_code == 200 and r.mimetype == "text/html", path
        assert '<html lang="fr">' in body, path
        assert "<script" not in body and "unpkg" not in body and "cdn" not in body.lower(), path
    sauviat = real_client.get("/ogc/collections/communes/items/87190?f=html")
    assert "Sauviat-sur-Vige" in sauviat.text
    r = real_client.get("/ogc/collections/inconnue/items?f=html")
    assert r.status_code == 404 and "Requête impossible" in r.text


def test_each_app_serves_its_own_database(client, real_client):
    """Two apps in one process (pygeoapi's module-level API stands in for each app's)."""
    empty = client.get("/ogc/collections/offres/items?f=json&limit=1").get_json()
    full = real_client.get("/ogc/collections/offres/items?f=json&limit=1").get_json()
    assert empty["numberMatched"] == 0 and full["numberMatched"] > 10_000


def test_configuration_comes_from_the_settings(settings):
    config = pygeoapi_config(settings, "https://annuaire.example.fr/")
    assert config["server"]["url"] == "https://annuaire.example.fr/ogc"
    from sqlalchemy.engine import make_url

    from mapdir.db import database_url

    url = make_url(database_url(settings))
    data = connection_data(settings)
    assert (data["dbname"], data["user"], data["password"]) == (
        url.database,
        url.username,
        url.password,
    )
    for resource in config["resources"].values():
        (provider,) = resource["providers"]
        assert provider["data"] == data
        assert "-c mapdir.speed_kmh=50" in provider["options"]["options"]


def test_published_plan_stops_are_a_collection(client, engine):
    with engine.begin() as c:
        ids = {}
        for statut in ("publie", "retire"):
            ids[statut] = c.execute(
                text(
                    "INSERT INTO plan_itinerance (departement, nom, statut)"
                    " VALUES ('87', :nom, :statut) RETURNING id"
                ),
                {"nom": f"Bus {statut}", "statut": statut},
            ).scalar_one()
            for rang, code in enumerate(("87190", "87174"), start=1):
                c.execute(
                    text(
                        "INSERT INTO plan_arret (plan_id, rang, code_insee, jour, demi_journee)"
                        " VALUES (:p, :r, :c, 'vendredi', 'matin')"
                    ),
                    {"p": ids[statut], "r": rang, "c": code},
                )
    try:
        body = client.get("/ogc/collections/arrets_plans/items?f=json").get_json()
        assert body["numberMatched"] == 2
        assert {f["properties"]["plan_nom"] for f in body["features"]} == {"Bus publie"}
        assert {f["geometry"]["type"] for f in body["features"]} == {"Point"}
    finally:
        with engine.begin() as c:
            c.execute(
                text("DELETE FROM plan_itinerance WHERE id = ANY(:ids)"),
                {"ids": list(ids.values())},
            )


def test_a_stale_session_does_not_break_the_pages(client):
    """pygeoapi's views hand Flask a dict of headers: clearing a stale session's cookie on
    them was a 500 (found by the browser test after a back-office journey)."""
    with client.session_transaction() as session:
        session["uid"], session["sv"] = 999_999_999, 1  # a user that does not exist
    r = client.get("/ogc/?f=json")
    assert r.status_code == 200 and r.get_json()["links"]
    assert "Content-Security-Policy" in r.headers and "session=;" in r.headers["Set-Cookie"]
