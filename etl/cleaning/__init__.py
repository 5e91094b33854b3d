"""Helpers that repair fixable defects in source values.

Each helper returns ``(value, fixed)``: the cleaned value (``None`` when unusable) and
whether a defect was corrected or a bad value dropped, so the caller can append a fix code
to ``OfferRecord.fixes``. Normalising an already well-formed value (e.g. a national phone
number written "01 23 45 67 89" turned into "+33123456789") is not counted as a fix.
Only coordinates outside France are fatal: ``clean_coordinates`` raises ``Reject``.

One module per kind of value: ``text`` (whitespace, HTML, mojibake), ``contacts`` (phones,
e-mails, URLs), ``codes`` (SIRET/RNA, postcode, INSEE), ``places`` (coordinates), ``dates``.
"""

from etl.cleaning.codes import clean_insee, clean_pivot, clean_postcode, luhn_ok
from etl.cleaning.contacts import (
    clean_email,
    clean_emails,
    clean_phone,
    clean_phones,
    clean_url,
    clean_urls,
)
from etl.cleaning.dates import parse_date
from etl.cleaning.places import clean_coordinates, in_france, parse_float
from etl.cleaning.text import clean_whitespace, fix_mojibake, strip_html

__all__ = [
    "clean_coordinates",
    "clean_email",
    "clean_emails",
    "clean_insee",
    "clean_phone",
    "clean_phones",
    "clean_pivot",
    "clean_postcode",
    "clean_url",
    "clean_urls",
    "clean_whitespace",
    "fix_mojibake",
    "in_france",
    "luhn_ok",
    "parse_date",
    "parse_float",
    "strip_html",
]
