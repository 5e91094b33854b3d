"""Phone numbers, e-mail addresses and web sites: one value, or every value of a field.

Phone numbers are normalised to the international form required by the national schema
(``+33123456789``; overseas numbers get their own prefix, e.g. ``+262692123456``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

_DROM_PREFIXES = {
    "0590": "+590",
    "0690": "+590",
    "0691": "+590",
    "0594": "+594",
    "0694": "+594",
    "0596": "+596",
    "0696": "+596",
    "0697": "+596",
    "0262": "+262",
    "0263": "+262",
    "0692": "+262",
    "0693": "+262",
    "0269": "+262",
    "0639": "+262",
}
_PHONE_NOISE = re.compile(r"[\s.\-/()\u00a0\u202f]")
_INTERNATIONAL = re.compile(r"^\+(33|590|594|262|596|269|687|689|508|681)(\d{6,9})$")


def clean_phone(value: object) -> tuple[str | None, bool]:
    """One French phone number → ``+33XXXXXXXXX`` (or its overseas prefix).

    Accepts "01 23 45 67 89", "01.23.45.67.89", "0033…", "+33 (0)1…", 9 digits with the
    leading zero lost. Anything else is dropped (None) and counted as a fix.
    """
    if value is None or str(value).strip() == "":
        return None, False
    digits = _PHONE_NOISE.sub("", str(value).strip()).replace("+33(0)", "+33")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("+330") and len(digits) == 13:
        digits = "+33" + digits[4:]
    if _INTERNATIONAL.match(digits):
        return digits, False
    if re.fullmatch(r"0[1-9]\d{8}", digits):
        prefix = _DROM_PREFIXES.get(digits[:4], "+33")
        return prefix + digits[1:], False
    if re.fullmatch(r"[1-9]\d{8}", digits):  # leading zero lost (number stored as integer)
        return clean_phone("0" + digits)[0], True
    return None, True


_PHONE_CANDIDATE = re.compile(r"(?:\+|00)?\d[\d\s.\-/()\u00a0\u202f]{7,}\d")


def clean_phones(value: object) -> tuple[list[str], bool]:
    """Every phone number found in a field ("05 55 … / 06 …"), normalised and de-duplicated."""
    if value is None or str(value).strip() == "":
        return [], False
    candidates = re.split(r"\s*[;|,]\s*|\s+/\s+|\s+(?:ou|et)\s+", str(value))
    return _distinct((c for c in candidates if c.strip()), _phone_in)


def _phone_in(candidate: str) -> tuple[str | None, bool]:
    """A candidate that is not a number may hold one ("Tél. : 05 55 …, accueil")."""
    phone, fixed = clean_phone(candidate)
    if phone is None and fixed:
        found = _PHONE_CANDIDATE.findall(candidate)
        phone = clean_phone(found[0])[0] if len(found) == 1 else None
    return phone, fixed


_EMAIL = re.compile(r"[^@\s<>(),;:\"']+@[^@\s<>(),;:\"']+\.[a-z]{2,}")


def clean_email(value: object) -> tuple[str | None, bool]:
    """Lower-cased e-mail address, loosely validated; "mailto:" removed; invalid → None."""
    if value is None or str(value).strip() == "":
        return None, False
    text = str(value).strip()
    lowered = text.lower().removeprefix("mailto:").strip()
    if _EMAIL.fullmatch(lowered):
        return lowered, text.removeprefix("mailto:") != text
    return None, True


def clean_emails(value: object) -> tuple[list[str], bool]:
    """Every e-mail of a field separated by ``;``, ``|``, ``,`` or spaces."""
    if value is None:
        return [], False
    # a lone "-" or "/" between two addresses is no address
    parts = (part for part in re.split(r"[;|,\s]+", str(value)) if re.search(r"\w", part))
    return _distinct(parts, clean_email)


_BARE_DOMAIN = re.compile(r"(www\.)?[a-z0-9\-]+(\.[a-z0-9\-]+)*\.[a-z]{2,}(/\S*)?", re.I)


def clean_url(value: object) -> tuple[str | None, bool]:
    """Absolute http(s) URL; "www.example.fr" gets https:// (fix); anything else → None."""
    if value is None or str(value).strip() == "":
        return None, False
    text = str(value).strip()
    if re.match(r"https?://", text, re.I):
        host = re.sub(r"^https?://", "", text, flags=re.I).split("/")[0]
        ok = " " not in text and "." in host
        return (text, False) if ok else (None, True)
    if _BARE_DOMAIN.fullmatch(text):
        return "https://" + text, True
    return None, True


def clean_urls(value: object) -> tuple[list[str], bool]:
    """Every URL of a field separated by ``|``, ``;``, ``,`` or spaces."""
    if value is None:
        return [], False
    return _distinct(re.split(r"[|;,\s]+", str(value)), clean_url)


def _distinct(
    parts: Iterable[str], clean_one: Callable[[str], tuple[str | None, bool]]
) -> tuple[list[str], bool]:
    """Each part cleaned: the usable values once each, in order; fixed when any part was."""
    values: list[str] = []
    fixed = False
    for part in parts:
        value, was_fixed = clean_one(part)
        fixed = fixed or was_fixed
        if value and value not in values:
            values.append(value)
    return values, fixed
