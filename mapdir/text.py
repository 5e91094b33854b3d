"""Text normalisation shared by search and matching: accents, case, punctuation."""

from __future__ import annotations

import math
import re

from unidecode import unidecode

_SEPARATORS = re.compile(r"[\s\-'’`,.;:/()]+")
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


def normalize_name(value: str) -> str:
    """Lowercase ASCII words separated by single spaces; "St" → "saint".

    >>> normalize_name("Saint-Léonard-de-Noblat")
    'saint leonard de noblat'
    >>> normalize_name("ST LEONARD DE NOBLAT")
    'saint leonard de noblat'
    """
    words = _SEPARATORS.sub(" ", unidecode(value or "").lower()).split()
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words)


def ascii_int(raw: object) -> int:
    """An integer written with ASCII digits (and a sign): Python's int() also reads "٣", "３"
    and "1_000", which no form or API of the site means. ValueError otherwise."""
    if isinstance(raw, bool):
        raise ValueError(raw)
    if isinstance(raw, int):
        return raw
    text = str(raw).strip()
    if not text.isascii() or not text.lstrip("+-").isdigit():
        raise ValueError(raw)
    return int(text)


#: Below this magnitude a number is 0.0: PostgreSQL refuses float arithmetic whose non-zero
#: operands give zero ("value out of range: underflow"), as radians(5e-324) or the square of
#: 1e-200 do; no quantity of the directory (a coordinate, a distance) is anywhere near so small.
TINY = 1e-150


def flush_tiny(value: float) -> float:
    """``value``, or 0.0 when its magnitude is below TINY (a subnormal such as 5e-324)."""
    return 0.0 if abs(value) < TINY else value


def ascii_float(raw: object) -> float:
    """A finite decimal number written with ASCII characters ("٣", "nan", "inf" refused),
    tiny magnitudes flushed to 0.0 (flush_tiny). ValueError otherwise."""
    if isinstance(raw, bool):
        raise ValueError(raw)
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        text = str(raw).strip()
        if not text.isascii() or "_" in text:
            raise ValueError(raw)
        value = float(text)
    if not math.isfinite(value):
        raise ValueError(raw)
    return flush_tiny(value)


def fr_number(value: float | int, decimals: int = 0) -> str:
    """A number the French way: narrow no-break space between thousands, decimal comma.

    >>> fr_number(12345.678, 1)
    '12\u202f345,7'
    """
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",")
