"""Ties in the accessibility's nearest offer go to the stable key (offer id, then
permanence id), never to the order the points were read in."""

from __future__ import annotations

import numpy as np

from mapdir.planner import e2sfca

MINUTES_PER_METRE = 1.3 / (50_000 / 60)


def _nearest(commune_lonlat, supply_lonlat, home, rank):
    cxyz = e2sfca.unit_vectors(*np.array(commune_lonlat, dtype=float).T)
    sxyz = e2sfca.unit_vectors(*np.array(supply_lonlat, dtype=float).T)
    return e2sfca.nearest(
        cxyz, sxyz, np.array(home, dtype=np.int64), np.array(rank, dtype=np.int64),
        MINUTES_PER_METRE,
    )  # fmt: skip


def test_two_equidistant_offers_give_the_smaller_id_whatever_their_order():
    commune = [(1.25, 45.80)]
    east, west = (1.26, 45.80), (1.24, 45.80)  # symmetric about the commune's meridian
    # offer ids 7 (east) and 3 (west): the rank is the position in (offer id) order
    for points, rank, expected in (
        ([east, west], [1, 0], 1),
        ([west, east], [0, 1], 0),
    ):
        minutes, index = _nearest(commune, points, [-1, -1], rank)
        assert index[0] == expected, points
        assert minutes[0] > 0


def test_offers_at_one_address_give_the_smaller_id():
    commune = [(1.25, 45.80)]
    same = (1.27, 45.81)
    points = [same, same, same, (1.40, 45.90)]
    for rank in ([2, 0, 1, 3], [1, 2, 0, 3], [0, 1, 2, 3]):
        _, index = _nearest(commune, points, [-1, -1, -1, -1], rank)
        assert rank[index[0]] == 0


def test_several_offers_in_the_bourg_give_the_smaller_id():
    """Every offer in a commune's bourg is at 0 min from it, however far from its point."""
    communes = [(1.25, 45.80), (1.50, 45.80)]
    points = [(1.251, 45.801), (1.262, 45.80), (1.255, 45.79), (1.50, 45.80)]
    minutes, index = _nearest(communes, points, [0, 0, -1, 1], [1, 2, 0, 3])
    assert minutes[0] == 0.0 and index[0] == 0  # the in-bourg point of smaller rank
    assert minutes[1] == 0.0 and index[1] == 3


def test_no_supply_at_all():
    minutes, index = _nearest([(1.25, 45.80)], np.zeros((0, 2)), [], [])
    assert np.isinf(minutes[0]) and index[0] == -1
