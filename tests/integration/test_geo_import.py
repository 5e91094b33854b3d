"""Reference geography import against the real files (offline mirror)."""

from __future__ import annotations

from sqlalchemy import text

from mapdir.geo.files import LocalGeoFiles
from mapdir.geo.france_import import import_france
from mapdir.geo.importer import import_departement
from tests.conftest import count


def _quiet(_m):
    pass


def test_national_communes_loaded(engine):
    with engine.connect() as c:
        n = count(c, "SELECT count(*) FROM commune")
        assert 34_900 <= n <= 35_100
        assert count(c, "SELECT count(*) FROM commune WHERE departement IN ('2A', '2B')") > 300
        # Ajaccio: a Corsican code with a letter
        assert c.execute(text("SELECT nom FROM commune WHERE code = '2A004'")).scalar() == "Ajaccio"
        without_point = count(c, "SELECT count(*) FROM commune WHERE point IS NULL")
        reported = count(c, "SELECT count(*) FROM geo_import_anomalie WHERE fichier = 'communes'")
        assert without_point == reported < 20


def test_old_code_is_mapped_not_dropped(engine):
    with engine.connect() as c:
        row = c.execute(
            text("SELECT code_actuel, methode FROM commune_code_ancien WHERE code_ancien = '93059'")
        ).one()
        assert row.code_actuel == "93066"
        # the old commune's postcode now reaches Saint-Denis
        assert (
            count(
                c,
                "SELECT count(*) FROM code_postal"
                " WHERE code_postal = '93380' AND code_insee = '93066'",
            )
            == 1
        )
        # every La Poste code is either current, mapped, or reported
        unmapped = c.execute(
            text("SELECT code FROM geo_import_anomalie WHERE fichier = 'laposte'")
        ).scalars()
        assert set(unmapped) <= {"99138"}  # Monaco has a French postcode, no commune


def test_polygons_and_points_of_87(engine):
    with engine.connect() as c:
        assert (
            count(c, "SELECT count(*) FROM commune WHERE departement = '87' AND geom IS NULL") == 0
        )
        outside = count(
            c,
            "SELECT count(*) FROM commune WHERE departement = '87' "
            "AND NOT ST_Contains(geom, point)",
        )
        assert outside == 0
        assert (
            count(c, "SELECT count(*) FROM commune WHERE departement='87' AND canton IS NULL") == 0
        )
        members = c.execute(
            text("SELECT cardinality(membres) FROM epci WHERE siren = '248719312'")
        ).scalar()
        assert members and members > 10  # CU Limoges Métropole


def _snapshot(engine):
    with engine.connect() as c:
        return c.execute(
            text(
                "SELECT (SELECT count(*) FROM commune), (SELECT count(*) FROM code_postal),"
                " (SELECT count(*) FROM epci), (SELECT count(*) FROM canton),"
                " (SELECT count(*) FROM commune_code_ancien),"
                " (SELECT count(*) FROM commune WHERE geom IS NOT NULL),"
                " (SELECT md5(string_agg(code || ST_AsText(point), ',' ORDER BY code))"
                "  FROM commune WHERE departement IN ('87', '93'))"
            )
        ).one()


def test_imports_are_idempotent(engine, shared_data):
    files = LocalGeoFiles(shared_data)
    before = _snapshot(engine)
    first = import_departement(engine, files, "87", progress=_quiet).counts
    second = import_departement(engine, files, "87", progress=_quiet).counts
    import_departement(engine, files, "93", progress=_quiet)
    assert first == second
    assert first["communes (contours)"] == 195
    assert _snapshot(engine) == before
    report = import_france(engine, files, progress=_quiet)
    assert report.counts["communes"] == 35_014
    assert _snapshot(engine) == before  # polygon points survive a national re-import
