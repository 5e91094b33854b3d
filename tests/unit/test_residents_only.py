"""The names that say a place is for its own residents or admitted users (issue 18: such
places are not proposed to prescribers unless asked). The regex text is the one PostgreSQL
runs (mapdir.offers.filters.reserved_sql); lookarounds and \\w mean the same in Python,
and tests/integration/test_search_unknowns.py checks PostgreSQL agrees on these names."""

from __future__ import annotations

import pytest

from tests.residents_names import OPEN, RESERVED, is_reserved


@pytest.mark.parametrize("name", RESERVED)
def test_names_of_residents_only_places_match(name):
    assert is_reserved(name)


@pytest.mark.parametrize("name", OPEN)
def test_names_of_places_open_to_the_public_do_not_match(name):
    assert not is_reserved(name)
