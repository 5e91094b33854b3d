"""Geocoding inside the pipeline, against a local fake BAN speaking its CSV format.

Aidants Connect structures have no coordinates and no INSEE code: BAN places them (and
picks the commune of an ambiguous postcode); below the score threshold, or when BAN is
unreachable, the commune's point is used and flagged. A re-run asks BAN nothing new.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from etl.load import run_source
from mapdir.geo.geocode_cache import PgGeocodeCache
from mapdir.geo.geocoder import BanClient, GeocodeQuery, Geocoder, ban_query_text
from tests.ban_server import BanAnswer, FakeBanServer, closed_port_url

ROWS = [
    {"Data pass ID": "9001", "Name": "Mairie de Limoges", "SIRET": "21870085600014",
     "Adresse": "9 place Léon Betoulle", "Code postal": 87000, "commune": "",
     "date_maj": "15/03/2021"},
    {"Data pass ID": "9002", "Name": "Espace numérique de Sauviat", "SIRET": "1",
     "Adresse": "1 place de la mairie", "Code postal": 87400, "commune": "",
     "date_maj": "15/03/2021"},
    {"Data pass ID": "9003", "Name": "Association introuvable", "SIRET": "1",
     "Adresse": "lieu-dit nulle part", "Code postal": 87000, "commune": "",
     "date_maj": "15/03/2021"},
]  # fmt: skip


def _text(row):
    return ban_query_text(
        GeocodeQuery(key="x", adresse=row["Adresse"], code_postal=str(row["Code postal"]))
    )


@pytest.fixture(scope="module")
def geo_engine(make_database):
    return make_database("geocoding")


def test_geocoded_then_cached_then_fallback(geo_engine, tmp_path):
    path = tmp_path / "aidants-connect-structures-2099-01.json"
    path.write_text(json.dumps(ROWS), encoding="utf-8")
    with FakeBanServer() as ban:
        ban.add(_text(ROWS[0]), BanAnswer(45.8292, 1.2590, 0.93, "housenumber", "87085"))
        ban.add(_text(ROWS[1]), BanAnswer(45.9111, 1.6590, 0.88, "street", "87190"))
        ban.add(_text(ROWS[2]), BanAnswer(45.80, 1.20, 0.41, "street", "87085"))
        geocoder = Geocoder(BanClient(ban.url, retry_delay=0), PgGeocodeCache(geo_engine))
        first = run_source(geo_engine, "aidants-connect", path, geocoder=geocoder)
        asked = len(ban.uploaded_rows)
        second = run_source(geo_engine, "aidants-connect", path, geocoder=geocoder)
        assert len(ban.uploaded_rows) == asked == 3  # the re-run asked nothing new
    assert first.counts["inseres"] == 3 and first.counts["geocodes"] == 2
    assert second.counts["inseres"] == 0 and second.counts["mis_a_jour"] == 0
    with geo_engine.connect() as c:
        rows = {
            r.source_id: r
            for r in c.execute(
                text(
                    "SELECT es.source_id, o.code_insee, o.geo_precision, ST_Y(o.point) AS lat"
                    " FROM enregistrement_source es JOIN offre o ON o.id = es.offre_id"
                )
            )
        }
    assert rows["9001"].geo_precision == "adresse" and abs(rows["9001"].lat - 45.8292) < 1e-6
    # ambiguous postcode 87400: BAN's commune wins over the most populated guess
    assert rows["9002"].code_insee == "87190" and rows["9002"].geo_precision == "rue"
    # score below 0.75: the commune's point, flagged
    assert rows["9003"].geo_precision == "commune" and rows["9003"].code_insee == "87085"


def test_unreachable_geocoder_falls_back_to_commune(geo_engine, tmp_path):
    path = tmp_path / "aidants-connect-structures-2099-02.json"
    rows = [{**ROWS[0], "Data pass ID": "9101", "Adresse": "3 rue Jean Jaurès"}]
    path.write_text(json.dumps(rows), encoding="utf-8")
    geocoder = Geocoder(
        BanClient(closed_port_url(), retry_delay=0, timeout=(1, 2)), PgGeocodeCache(geo_engine)
    )
    summary = run_source(geo_engine, "aidants-connect", path, geocoder=geocoder)
    assert summary.counts["inseres"] == 1 and summary.counts["geocodes"] == 0
    with geo_engine.connect() as c:
        precision = c.execute(
            text(
                "SELECT o.geo_precision FROM enregistrement_source es"
                " JOIN offre o ON o.id = es.offre_id WHERE es.source_id = '9101'"
            )
        ).scalar_one()
        cached = c.execute(text("SELECT count(*) FROM geocode_cache")).scalar_one()
    assert precision == "commune"
    assert cached == 3  # failures are not cached
