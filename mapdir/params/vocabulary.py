"""Vocabularies as request parameters take them: a slug (or a label, or an alias) → the
stored label. "Familles et/ou enfants" is asked as ``familles-et-ou-enfants`` or ``familles``."""

from __future__ import annotations

import re
from collections.abc import Iterable

from unidecode import unidecode

#: short or former spellings accepted in requests (slug → canonical slug)
ALIASES = {
    "atelier-collectif": "dans-un-atelier-collectif",
    "distance": "a-distance",
    "familles": "familles-et-ou-enfants",
    "conseiller-numerique": "conseillers-numeriques",
    "cnfs": "conseillers-numeriques",
    "france-service": "france-services",
    "pix": "certification-pix",
    "rdv-en-ligne": "prendre-un-rdv-en-ligne",
}
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def slugify(value: str) -> str:
    """A label's slug: "Familles et/ou enfants" → "familles-et-ou-enfants" (aliases resolved)."""
    slug = _NON_ALNUM.sub("-", unidecode(value).lower()).strip("-")
    return ALIASES.get(slug, slug)


class Vocabulary:
    """Allowed values of a parameter. ``exact``: values are matched as written (solver names,
    levels); otherwise by slug, so that labels, slugs and aliases all find the label."""

    def __init__(self, labels: Iterable[str], *, exact: bool = False):
        self.labels = tuple(labels)
        self.exact = exact
        self._by_key = {self._key(v): v for v in self.labels}

    def _key(self, value: str) -> str:
        return value if self.exact else slugify(value)

    def label(self, raw: str) -> str | None:
        """The stored label for a requested value, None when unknown."""
        return self._by_key.get(self._key(raw))

    def items(self) -> list[tuple[str, str]]:
        """(slug, label) pairs in the vocabulary's order (form choices)."""
        return [(self._key(v), v) for v in self.labels]

    @property
    def slugs(self) -> list[str]:
        """The values a request writes (the OpenAPI enum)."""
        return list(self._by_key)
