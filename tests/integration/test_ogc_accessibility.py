"""The accessibility (E2SFCA) published by OGC API Features (``ogc.communes``, precomputed in
``accessibilite_commune`` by mapdir/planner/precomputed.py) is /api/v1/accessibilite's, on
the real Haute-Vienne directory; unknown stays null; the CLI and the imports refresh it."""

from __future__ import annotations

import csv
import io
import json
import socket

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from mapdir.cli import main
from mapdir.config import Settings
from mapdir.geo.travel import MODES
from mapdir.planner import precomputed
from tests.imported import cut_87

ITEMS = "/ogc/collections/communes/items"
#: the view's columns of each mode ← the API's commune keys
COLUMNS = {
    "accessibilite_{m}": "accessibilite",
    "classe_{m}": "classe",
    "offres_a_portee_{m}": "offres_a_portee",
    "duree_aide_{m}_min": "duree_min_plus_proche",
}


def _url(eng) -> str:
    return eng.url.render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def refreshed(real_directory):
    settings = Settings.from_env({"DATABASE_URL": _url(real_directory)})
    return precomputed.refresh(real_directory, settings, ["87"])


def _api(client, mode: str) -> dict:
    r = client.get(f"/api/v1/accessibilite?departement=87&mode={mode}")
    assert r.status_code == 200
    return r.get_json()


def _items(client, query: str = "") -> dict[str, dict]:
    r = client.get(f"{ITEMS}?f=json&departement=87&limit=1000{query}")
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    return {f["id"]: f["properties"] for f in r.get_json()["features"]}


def test_ogc_communes_carry_the_api_accessibility(refreshed, real_client):
    items = _items(real_client)
    assert len(items) == 195
    for mode in MODES:
        api = _api(real_client, mode)
        by_code = {c["code"]: c for c in api["communes"]}
        assert set(by_code) == set(items)
        for code, commune in by_code.items():
            props = items[code]
            for column, key in COLUMNS.items():
                assert props[column.format(m=mode)] == commune[key], (code, mode, column)
            assert props[f"seuil_{mode}_min"] == api["parametres"]["seuil_min"]
            assert props["besoin"] == commune["besoin"]
        assert all(items[c]["besoin_ponderation"] == "population" for c in by_code)
        # a property filter selects the API's class, as a SIG user would query it
        for classe in ("zone_blanche", "sous_dotee"):
            expected = {c for c, row in by_code.items() if row["classe"] == classe}
            selected = _items(real_client, f"&classe_{mode}={classe}")
            assert set(selected) == expected, (mode, classe)
        print(
            f"\nOGC communes de 87, {mode} : {len(by_code)} comme /api/v1/accessibilite ; "
            + ", ".join(
                f"{k} {v['communes']}" for k, v in api["totaux"].items() if isinstance(v, dict)
            )
        )
    # Bellac and Nexon hold their offers in their centres: reached on foot (issue 15)
    for code in ("87011", "87106"):
        assert items[code]["classe_sans_voiture"] != "zone_blanche", code
    stamp = {p["accessibilite_calcule_le"] for p in items.values()}
    assert len(stamp) == 1 and stamp.pop().startswith(refreshed.calcule_le.date().isoformat())


def test_a_commune_not_computed_shows_null_not_zero(refreshed, real_directory, real_client):
    with real_directory.begin() as c:
        c.execute(text("DELETE FROM accessibilite_commune WHERE code_insee = '87190'"))
    try:
        one = real_client.get(f"{ITEMS}/87190?f=json").get_json()["properties"]
        other = real_client.get(f"{ITEMS}/87085?f=json").get_json()["properties"]
    finally:
        settings = Settings.from_env({"DATABASE_URL": _url(real_directory)})
        precomputed.refresh(real_directory, settings, ["87"])
    for mode in MODES:
        for column in COLUMNS:
            assert column.format(m=mode) in one and one[column.format(m=mode)] is None, column
        assert other[f"accessibilite_{mode}"] > 0
    assert one["accessibilite_calcule_le"] is None and one["couverture"] == "couverte"


def test_planner_exports_carry_the_accessibility_columns(refreshed, real_client):
    api = {c["code"]: c for c in _api(real_client, "voiture")["communes"]}
    data = real_client.get("/planification/87/export.csv").get_data().decode("utf-8-sig")
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(data), delimiter=";")}
    geojson = json.loads(real_client.get("/api/v1/accessibilite.geojson?departement=87").data)
    features = {f["properties"]["code"]: f["properties"] for f in geojson["features"]}
    page_geojson = json.loads(real_client.get("/planification/87/export.geojson").data)
    assert len(rows) == len(features) == len(page_geojson["features"]) == 195
    for code in ("87011", "87085", "87106", "87190"):
        for key in ("accessibilite", "classe", "offres_a_portee", "duree_min_plus_proche"):
            assert features[code][key] == api[code][key], (code, key)
            assert rows[code][key] == str(api[code][key]).replace(".", ","), (code, key)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cli_rafraichir(refreshed, real_directory):
    runner = CliRunner(env={"DATABASE_URL": _url(real_directory)})
    ok = runner.invoke(main, ["planner", "rafraichir", "--departement", "87"])
    assert ok.exit_code == 0, ok.output
    (line,) = ok.output.splitlines()
    print(f"\n{line}")
    with real_directory.connect() as c:
        counts = dict(
            c.execute(
                text(
                    "SELECT mode || ' ' || classe, count(*) FROM accessibilite_commune"
                    " WHERE departement = '87' GROUP BY 1"
                )
            ).all()
        )
    assert line.startswith("Accessibilité précalculée pour Haute-Vienne (87) : 195 communes")
    assert f"{counts['sans_voiture zone_blanche']} zones blanches" in line
    assert f"{counts['voiture sous_dotee']} sous-dotées" in line
    for args, message in (
        (["--departement", "99"], "Erreur : Département inconnu : 99."),
        (["--departement", "23"], "contours des communes du département 23"),
    ):
        bad = runner.invoke(main, ["planner", "rafraichir", *args])
        assert bad.exit_code == 2 and isinstance(bad.exception, SystemExit), bad.output
        assert message in bad.output and "Traceback" not in bad.output
        assert len(bad.output.strip().splitlines()) == 1
    down_url = f"postgresql+psycopg://mapdir@127.0.0.1:{_free_port()}/mapdir"
    down = CliRunner(env={"DATABASE_URL": down_url}).invoke(main, ["planner", "rafraichir"])
    assert down.exit_code != 0 and isinstance(down.exception, SystemExit), down.output
    (down_line,) = down.output.strip().splitlines()
    assert down_line.startswith("Erreur") and "base de données" in down_line


def test_imports_refresh_what_ogc_publishes(make_database, shared_data, tmp_path):
    """An import run and an indicators import end by refreshing the accessibility; before
    any, the view shows null (unknown), never 0."""
    eng = make_database("precalc", ("87",))
    runner = CliRunner(env={"DATABASE_URL": _url(eng)})
    nulls = (
        "SELECT count(*) FILTER (WHERE accessibilite_voiture IS NULL"
        " AND accessibilite_sans_voiture IS NULL), count(*) FROM ogc.communes"
        " WHERE departement = '87'"
    )
    with eng.connect() as c:
        assert tuple(c.execute(text(nulls)).one()) == (195, 195)
    ((slug, path),) = [
        f for f in cut_87(shared_data / "offers", tmp_path) if f[0] == "haute-vienne"
    ]
    run = runner.invoke(main, ["etl", "run", slug, "--file", str(path), "--no-geocode"])
    assert run.exit_code == 0, run.output
    assert run.output.splitlines()[-1].startswith("Accessibilité précalculée pour Haute-Vienne")
    with eng.connect() as c:
        assert tuple(c.execute(text(nulls)).one()) == (0, 195)
        first = c.execute(text("SELECT max(calcule_le) FROM accessibilite_commune")).scalar()
    indicators = shared_data / "indicateurs" / "fragilite-communes-rp2017.csv"
    geo = runner.invoke(main, ["geo", "import", "--indicateurs", str(indicators)])
    assert geo.exit_code == 0, geo.output
    assert geo.output.splitlines()[-1].startswith("Accessibilité précalculée pour Haute-Vienne")
    with eng.connect() as c:
        row = c.execute(
            text(
                "SELECT max(calcule_le), min(calcule_le), bool_and(parametres ? 'indicateurs'"
                " AND parametres -> 'indicateurs' <> 'null') FROM accessibilite_commune"
            )
        ).one()
    assert row[1] >= first and row[0] == row[1] and row[2]
