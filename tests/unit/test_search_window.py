"""The first KNN window of a search: 2N (at least 40), larger when an opening-time filter
will drop candidates after the scan."""

from mapdir.offers.search import first_window


def test_first_window_sizes():
    assert first_window(20) == 40
    assert first_window(5) == 40
    assert first_window(50) == 100
    assert first_window(20, timed=True) == 100
    assert first_window(5, timed=True) == 100
    assert first_window(50, timed=True) == 250
