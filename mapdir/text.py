"""Text normalisation shared by search and matching: accents, case, punctuation."""

from __future__ import annotations

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
