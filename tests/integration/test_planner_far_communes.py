"""Access of communes far from every offer (overseas): the exhaustive path of the access
query agrees with a brute-force WGS84 computation."""

from __future__ import annotations

from pyproj import Geod
from sqlalchemy import text

from mapdir.planner import access

GEOD = Geod(ellps="WGS84")


def test_far_commune_gets_its_true_nearest_offer(conn, monkeypatch):
    conn.execute(
        text(
            """
            INSERT INTO offre (nom, statut, point)
            SELECT 'far-test ' || g, 'active',
                   ST_SetSRID(ST_MakePoint(-4.5 + (g % 23) * 0.53, 43.0 + (g % 17) * 0.47), 4326)
            FROM generate_series(1, 400) g
            """
        )
    )
    calls = []
    real = access._exhaustive
    monkeypatch.setattr(
        access, "_exhaustive", lambda c, rows, *a: calls.append(len(rows)) or real(c, rows, *a)
    )
    got = {a.code: a for a in access.commune_access(conn, codes=["97501", "97502", "98611"])}
    assert calls == [3]  # no window could prove them: compared with every offer
    offers = conn.execute(
        text("SELECT id, ST_X(point), ST_Y(point) FROM offre WHERE nom LIKE 'far-test %'")
    ).all()
    assert len(got) == 3
    for code, result in got.items():
        lon0, lat0 = result.lon, result.lat
        _, _, dist = GEOD.inv(
            [lon0] * len(offers),
            [lat0] * len(offers),
            [o[1] for o in offers],
            [o[2] for o in offers],
        )
        best = min(zip(dist, (o[0] for o in offers), strict=True))
        assert result.offre_id == best[1], code
        assert abs(result.distance_m - best[0]) < 1.0, code
        assert result.distance_m > 1_000_000  # thousands of km: the exhaustive path
