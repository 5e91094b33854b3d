"""Accessibility (E2SFCA) on the real directory (France + 87 polygons, every source), need
indicators of the offline mirror imported: conservation, an independent numpy recomputation,
the border buffer against a national run, where people live (Bellac, Nexon)."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import text

from mapdir.config import Settings
from mapdir.offers.type_offre import TYPES, sql_predicate, types_of
from mapdir.planner import accessibility
from mapdir.planner.parameters import parse_request

SETTINGS = Settings.from_env()


def _compute(conn, **values):
    return accessibility.compute(conn, parse_request({"departement": "87", **values}, SETTINGS))


def test_indicators_imported_with_vintage_origin_and_reasons(real_with_indicators):
    with real_with_indicators.connect() as conn:
        imp = conn.execute(text("SELECT * FROM indicateur_import ORDER BY id DESC LIMIT 1")).one()
        assert imp.millesime == "RP 2017" and "INSEE" in imp.origine
        assert imp.comptes["codes en double fusionnés"] == 1111
        row = conn.execute(
            text("SELECT * FROM indicateur_commune WHERE code_insee = '87085'")
        ).one()
        assert row.part_65_plus == pytest.approx(24.876, abs=1e-3)  # Limoges
        assert row.part_peu_diplomes == pytest.approx(43.416, abs=1e-3)
        # old codes of Saint-Pardoux-le-Lac (merged in 2019, it has its own row): set aside
        # with a reason, never silently
        reasons = {e["code"]: e["motif"] for e in imp.ecarts if "code" in e}
        assert reasons["87173"].startswith("code absent des communes en vigueur")
        assert len(imp.ecarts) == imp.comptes["lignes écartées"] > 300
        n87 = conn.execute(
            text(
                "SELECT count(*) FROM indicateur_commune i JOIN commune c ON c.code = i.code_insee"
                " WHERE c.departement = '87'"
            )
        ).scalar_one()
        assert n87 == 195


@pytest.mark.parametrize("mode", ["voiture", "sans_voiture"])
def test_conservation_on_real_87(real_with_indicators, mode):
    """Σ_i besoin_i × accessibilite_i = 1000 × Σ_j heures_hebdo_j (offers with demand)."""
    with real_with_indicators.connect() as conn:
        comp = _compute(conn, mode=mode, besoin="seniors")
    r = comp.result
    left = float((comp.communes.need * r.accessibility).sum())
    right = 1000.0 * float(comp.supply.hours[r.demand > 0].sum())
    print(f"\n{mode}: Σ besoin × A = {left:.1f}, 1000 × Σ h = {right:.1f}")
    assert right > 0
    assert abs(left - right) <= 0.001 * right


def _haversine_m(lon1, lat1, lon2, lat2):
    lon1, lat1, lon2, lat2 = (np.radians(v) for v in (lon1, lat1, lon2, lat2))
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * np.arcsin(np.sqrt(a))


@pytest.mark.parametrize("mode", ["voiture", "sans_voiture"])
def test_independent_dense_recomputation(real_with_indicators, mode):
    """The formula written again, densely, on the same real inputs (communes × offers)."""
    with real_with_indicators.connect() as conn:
        comp = _compute(conn, mode=mode, besoin="fragilite")
    c, s, req = comp.communes, comp.supply, comp.req
    metres = _haversine_m(c.lon[:, None], c.lat[:, None], s.lon[None, :], s.lat[None, :])
    minutes = metres * req.mode.detour_factor / (req.mode.speed_kmh * 1000 / 60)
    for j, i in enumerate(comp.home):
        if i >= 0:
            minutes[i, j] = 0.0
    t = req.seuil_min
    w1, w2, w3 = req.poids_bandes
    weight = np.select(
        [minutes <= t / 3, minutes <= 2 * t / 3, minutes <= t], [w1, w2, w3], default=0.0
    )
    demand = weight.T @ c.need
    ratio = np.where(demand > 0, s.hours * 1000 / np.where(demand > 0, demand, 1), 0.0)
    expected = weight @ ratio
    np.testing.assert_allclose(comp.result.demand, demand, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(comp.result.accessibility, expected, rtol=1e-9, atol=1e-9)


def test_border_buffer_gives_the_national_figures(real_with_indicators):
    with real_with_indicators.connect() as conn:
        dep = _compute(conn, besoin="seniors")
        nat = accessibility.compute(
            conn, parse_request({"departement": "FR", "besoin": "seniors"}, SETTINGS)
        )
    assert (~dep.inside).sum() > 0  # the buffer holds communes of the neighbours
    position = {code: i for i, code in enumerate(nat.communes.code)}
    rows = [position[code] for code in dep.communes.code[dep.inside]]
    np.testing.assert_allclose(
        dep.result.accessibility[dep.inside], nat.result.accessibility[rows], rtol=1e-9
    )


def test_bellac_and_nexon_people_walk_to_the_offers_of_their_bourg(real_with_indicators):
    with real_with_indicators.connect() as conn:
        comp = _compute(conn, mode="sans_voiture")
        stored = dict(
            conn.execute(
                text(
                    "SELECT code, ST_Distance(point::geography, (SELECT point FROM offre WHERE"
                    " nom = 'France services Nexon' AND statut = 'active')::geography)"
                    " FROM commune WHERE code = '87106'"
                )
            ).all()
        )
    assert stored["87106"] > 2000  # the stored point lies 2.4 km from the France Services
    classes = dict(zip(comp.communes.code, comp.classes, strict=True))
    at = {code: i for i, code in enumerate(comp.communes.code)}
    for code in ("87011", "87106"):  # Bellac, Nexon
        i = at[code]
        assert comp.communes.point_source[i] == "bourg"
        assert classes[code] != "zone_blanche"
        assert comp.nearest_min[i] == 0.0  # an offer of the commune, in its bourg


def test_type_offre_sql_and_python_agree_on_real_offers(real_with_indicators):
    with real_with_indicators.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT o.id, o.services, o.modalites_accompagnement, o.programmes,"
                + ", ".join(sql_predicate(t) for t in TYPES)
                + " FROM offre o JOIN commune c ON c.code = o.code_insee"
                " WHERE c.departement = '87' AND o.statut = 'active'"
            )
        ).all()
    assert len(rows) > 200
    for r in rows:
        expected = types_of(r[1], r[2], r[3])
        assert [t for t, flag in zip(TYPES, r[4:], strict=True) if flag] == expected, r[0]
