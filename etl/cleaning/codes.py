"""Identifiers and codes: SIRET/SIREN (Luhn) or RNA pivot, postcode, INSEE commune code."""

from __future__ import annotations

import re

_SIRET = re.compile(r"\d{14}")
_RNA = re.compile(r"W\d{9}")


def luhn_ok(number: str) -> bool:
    """Luhn checksum, used by SIREN/SIRET."""
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char) * (2 if index % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def clean_pivot(value: object) -> tuple[str | None, bool]:
    """SIRET (14 digits, Luhn-checked except La Poste's 356000000…) or RNA (W + 9 digits).

    ``00000000000000`` or empty → None (unknown, not a defect). Spaces and dots are removed
    silently; a trailing suffix after 14 digits ("…/APE:9999B") is cut (fix); anything else
    (a 9-digit SIREN, "1", a bad checksum) → None (fix).
    """
    if value is None:
        return None, False
    text = re.sub(r"[\s.\u00a0\u202f]", "", str(value)).upper()
    if not text or set(text) == {"0"}:
        return None, False
    if _RNA.fullmatch(text):
        return text, False
    fixed = False
    if not _SIRET.fullmatch(text):
        prefix = re.match(r"(\d{14})\D", text)
        if not prefix:
            return None, True
        text, fixed = prefix.group(1), True
    if text.startswith("356000000") or luhn_ok(text):
        return text, fixed
    return None, True


def clean_postcode(value: object) -> tuple[str | None, bool]:
    """5-digit postcode; an integer that lost its leading zero (1000) → "01000" (fix)."""
    if value is None or isinstance(value, bool):
        return None, False
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = re.sub(r"[\s\u00a0\u202f]", "", str(value))
    if not text:
        return None, False
    if re.fullmatch(r"\d{5}", text):
        return text, False
    if re.fullmatch(r"\d{4}", text) and text != "0000":
        return "0" + text, True
    return None, True


_INSEE = re.compile(r"([013-9]\d|2[AB1-9])\d{3}")


def clean_insee(value: object) -> tuple[str | None, bool]:
    """INSEE commune code (2A/2B for Corsica); a 4-digit integer gets its zero back (fix)."""
    if value is None or isinstance(value, bool):
        return None, False
    text = str(value).strip().upper()
    if not text:
        return None, False
    if _INSEE.fullmatch(text):
        return text, False
    if re.fullmatch(r"\d{4}", text) and _INSEE.fullmatch("0" + text):
        return "0" + text, True
    return None, True
