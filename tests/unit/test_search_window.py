"""The first KNN window of a search: 2N, at least 40 (with an opening time too: the
window holds only offers whose half-hour slots may be open then)."""

from mapdir.offers.search import first_window


def test_first_window_sizes():
    assert first_window(20) == 40
    assert first_window(5) == 40
    assert first_window(50) == 100
    assert first_window(1) == 40
