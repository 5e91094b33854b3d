"""Dates of last update: ISO or French, placeholders (1970-01-01…) and future ones unknown."""

from __future__ import annotations

import re
from datetime import date, datetime

# Dates no directory was updated on: the Unix epoch and other "empty" values that
# spreadsheets and databases write for a missing date. Before the first digital-inclusion
# directories (2000), a date is a placeholder too.
PLACEHOLDER_DATES = frozenset({date(1970, 1, 1), date(1900, 1, 1), date(1899, 12, 30)})
EARLIEST_REAL_DATE = date(2000, 1, 1)


def _real_date(found: date) -> tuple[date | None, bool]:
    if found in PLACEHOLDER_DATES or found < EARLIEST_REAL_DATE or found > date.today():
        return None, True  # unknown, not a date a person could rely on
    return found, False


def parse_date(value: object) -> tuple[date | None, bool]:
    """ISO date (or datetime) or dd/mm/yyyy; invalid or placeholder (1970-01-01…,
    future) → None (fix)."""
    if value is None or str(value).strip() == "":
        return None, False
    if isinstance(value, datetime):
        return _real_date(value.date())
    if isinstance(value, date):
        return _real_date(value)
    text = str(value).strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return _real_date(date.fromisoformat(text))
        if re.match(r"\d{4}-\d{2}-\d{2}[T ]", text):
            return _real_date(datetime.fromisoformat(text.replace("Z", "+00:00")).date())
        found = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
        if found:
            day, month, year = (int(g) for g in found.groups())
            return _real_date(date(year, month, day))
    except ValueError:
        pass
    return None, True
