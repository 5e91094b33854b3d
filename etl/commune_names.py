"""How sources write commune names and postcodes, read into comparable keys (pure).

Sources write "L'Isle-sur-la-Sorgue", "ISLE SUR LA SORGUE (L')", "St Andiol", "MARSEILLE
CEDEX 20", "Marseille 15", "PARIS 19EME", "Lyon 3e". ``name_keys`` gives the keys a name is
indexed under (with and without its article), ``read_commune_field`` splits a source's value
into its key, a municipal arrondissement number and a CEDEX mark, and ``postcode_departement``
reads the département a postcode (CEDEX ones included) belongs to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mapdir.text import normalize_name

ARTICLES = ("l", "le", "la", "les")
# communes divided into municipal arrondissements: parent code by normalised name
PLM_PARENTS = {"paris": "75056", "marseille": "13055", "lyon": "69123"}
_ARRONDISSEMENT = re.compile(r"^(paris|marseille|lyon)\s+(\d{1,2})(?:\s*(?:e|er|eme|ieme))?\b")
_ARRONDISSEMENT_WORDS = re.compile(r"\b(arrondissement|arr|arrdt)\b")
_CEDEX = re.compile(r"\bcedex\b(\s+\d{1,3})?")
_TRAILING_NUMBER = re.compile(r"\s+\d{1,3}$")
POSTCODE = re.compile(r"(?<!\d)(\d{5})(?!\d)")


def name_keys(name: str) -> set[str]:
    """Normalised keys of a commune name: as written, without a leading article, and with
    an article written after the name ("Isle-sur-la-Sorgue (L')") put back in front."""
    key = normalize_name(name)
    if not key:
        return set()
    words = key.split()
    keys = {key}
    if len(words) > 1 and words[-1] in ARTICLES:  # "isle sur la sorgue l"
        words = [words[-1], *words[:-1]]
        keys.add(" ".join(words))
    if len(words) > 1 and words[0] in ARTICLES:
        keys.add(" ".join(words[1:]))
    return keys


@dataclass(frozen=True)
class CommuneField:
    """A source's commune value, read."""

    keys: frozenset[str]  # name keys, CEDEX and arrondissement number removed
    arrondissement: int | None = None  # "Marseille 15" → 15
    cedex: bool = False


def read_commune_field(value: str | None) -> CommuneField:
    """Read "MARSEILLE CEDEX 20", "Paris 19ème", "ISLE SUR LA SORGUE (L')"…"""
    key = normalize_name(value or "")
    cedex = bool(_CEDEX.search(key))
    key = _CEDEX.sub(" ", key)
    key = " ".join(_ARRONDISSEMENT_WORDS.sub(" ", key).split())
    arrondissement = None
    found = _ARRONDISSEMENT.match(key)
    if found:
        arrondissement = int(found.group(2))
        key = found.group(1)
    elif cedex:
        key = _TRAILING_NUMBER.sub("", key)
    return CommuneField(frozenset(name_keys(key)), arrondissement, cedex)


def postcode_departement(postcode: str | None) -> str | None:
    """Département of a postcode or CEDEX code: "13098" → "13", "97411" → "974",
    "20090" → None (Corsica: 2A or 2B, the postcode does not say)."""
    if not postcode or not re.fullmatch(r"\d{5}", postcode):
        return None
    if postcode.startswith("97") or postcode.startswith("98"):
        return postcode[:3]
    if postcode.startswith("20"):
        return None
    return postcode[:2]


def address_postcodes(address: str | None) -> list[str]:
    """5-digit codes written in an address ("13 rue X 13003 Marseille" → ["13003"])."""
    return POSTCODE.findall(address or "")


_SMALL_WORDS = {"en", "de", "du", "des", "la", "le", "les", "sur", "sous", "et", "aux", "au"}


def locality_name(name: str) -> str:
    """La Poste's upper-case locality name for people: "SILLY EN GOUFFERN" → "Silly en
    Gouffern", "ST PIERRE D ENTREMONT" → "St Pierre d'Entremont"."""
    words = name.strip().lower().split()
    out = []
    for n, word in enumerate(words):
        if n and word in _SMALL_WORDS:
            out.append(word)
        elif n + 1 < len(words) and word in ("d", "l"):
            out.append((word.upper() if n == 0 else word) + "'")
        else:
            out.append(word[:1].upper() + word[1:])
    return " ".join(out).replace("' ", "'")
