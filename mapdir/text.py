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


def ascii_float(raw: object) -> float:
    """A finite decimal number written with ASCII characters ("٣", "nan", "inf" refused).
    ValueError otherwise."""
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
    return value


def fr_number(value: float | int, decimals: int = 0) -> str:
    """A number the French way: narrow no-break space between thousands, decimal comma.

    >>> fr_number(12345.678, 1)
    '12\u202f345,7'
    """
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",")
