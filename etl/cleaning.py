"""Helpers that repair fixable defects in source values.

Each helper returns ``(value, fixed)``: the cleaned value (``None`` when unusable) and
whether a defect was corrected or a bad value dropped, so the caller can append a fix code
to ``OfferRecord.fixes``. Normalising an already well-formed value (e.g. a national phone
number written "01 23 45 67 89" turned into "+33123456789") is not counted as a fix.
Only coordinates outside France are fatal: ``clean_coordinates`` raises ``Reject``.

Phone numbers are normalised to the international form required by the national schema
(``+33123456789``; overseas numbers get their own prefix, e.g. ``+262692123456``).
"""

from __future__ import annotations

import html
import math
import re
from datetime import date, datetime
from html.parser import HTMLParser

from etl.record import Reject
from mapdir.text import flush_tiny

_SPACES = re.compile(r"\s+")


def clean_whitespace(value: object) -> tuple[str | None, bool]:
    """Strip and collapse whitespace (NBSP, tabs, newlines…); empty → None.

    Fixed when inner whitespace had to be collapsed or replaced (outer strip is silent).
    """
    if value is None:
        return None, False
    text = str(value).strip()
    collapsed = _SPACES.sub(" ", text)
    return (collapsed or None), collapsed != text


_BLOCK_TAGS = {"br", "p", "div", "li", "ul", "ol", "tr", "td", "th", "table", "h1", "h2", "h3"}
_DROP_CONTENT_TAGS = {"script", "style", "template", "iframe", "object", "noscript"}


class _TextExtractor(HTMLParser):
    """Collect the text of an HTML fragment, dropping script/style content."""

    def __init__(self, block_separator: str) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0
        self._block_separator = block_separator

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP_CONTENT_TAGS:
            self._skip_depth += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(self._block_separator)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append(self._block_separator)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP_CONTENT_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append(self._block_separator)

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.parts.append(data)


_MARKUP_HINT = re.compile(r"<[a-zA-Z/!?]|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")


_WIDE_GAP = re.compile(r"(?<=\S)[ \t\u00a0]{3,}(?=\S)")


def _tidy_lines(text: str) -> str:
    """Collapse spaces inside lines, drop trailing spaces, at most one blank line. A wide
    gap inside a line (3 spaces or more: a paragraph break of the source's form, as in
    "de 13h30 à 16h30     Permanence supplémentaire…") becomes a line break."""
    text = _WIDE_GAP.sub("\n", text.replace("\r\n", "\n"))
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


_MOJIBAKE = re.compile(
    "[\u00c2\u00c3][\u0080-\u00bf\u2018-\u203a\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u02c6\u02dc]"
)


def fix_mojibake(text: str) -> tuple[str, bool]:
    """UTF-8 read as Windows-1252 ("Fresnes-LÃ©guillon" in the France Services file of
    2022-12) back to its text ("Fresnes-Léguillon"); anything else is left alone."""
    if not _MOJIBAKE.search(text):
        return text, False
    for codec in ("cp1252", "latin-1"):
        try:
            return text.encode(codec).decode("utf-8"), True
        except UnicodeError:
            continue
    return text, False


def strip_html(value: object, keep_lines: bool = False) -> tuple[str | None, bool]:
    """Plain text of a value that may hold HTML: tags removed (script/style content too),
    entities unescaped, whitespace collapsed. The result never contains markup.

    With ``keep_lines`` (long free text such as comments), line breaks are kept and only
    markup counts as a fix.
    """
    if value is None:
        return None, False
    text, fixed = fix_mojibake(str(value))
    for _ in range(3):  # "&lt;b&gt;" unescapes to "<b>": strip again
        if not _MARKUP_HINT.search(text):
            break
        parser = _TextExtractor("\n" if keep_lines else " ")
        parser.feed(text)
        parser.close()
        text = html.unescape("".join(parser.parts))
        fixed = True
    if _MARKUP_HINT.search(text):  # still looks like markup: neutralise the brackets
        text = text.replace("<", "‹").replace(">", "›")
    if keep_lines:
        return (_tidy_lines(text) or None), fixed
    cleaned, spaces_fixed = clean_whitespace(text)
    return cleaned, fixed or spaces_fixed


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
    text = str(value)
    candidates = [c for c in re.split(r"\s*[;|,]\s*|\s+/\s+|\s+(?:ou|et)\s+", text) if c.strip()]
    phones: list[str] = []
    fixed = False
    for candidate in candidates:
        phone, was_fixed = clean_phone(candidate)
        if phone is None and was_fixed:
            found = _PHONE_CANDIDATE.findall(candidate)
            phone = clean_phone(found[0])[0] if len(found) == 1 else None
        fixed = fixed or was_fixed
        if phone and phone not in phones:
            phones.append(phone)
    return phones, fixed


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
    emails: list[str] = []
    fixed = False
    for part in re.split(r"[;|,\s]+", str(value)):
        if not re.search(r"\w", part):  # a lone "-" or "/" between two addresses
            continue
        email, was_fixed = clean_email(part)
        fixed = fixed or was_fixed
        if email and email not in emails:
            emails.append(email)
    return emails, fixed


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
    urls: list[str] = []
    fixed = False
    for part in re.split(r"[|;,\s]+", str(value)):
        url, was_fixed = clean_url(part)
        fixed = fixed or was_fixed
        if url and url not in urls:
            urls.append(url)
    return urls, fixed


# (south, north, west, east) boxes, generous by a few km.
FRANCE_BOXES: dict[str, tuple[float, float, float, float]] = {
    "France métropolitaine": (42.2, 51.2, -5.4, 8.3),
    "Corse": (41.3, 43.1, 8.5, 9.6),
    "Guadeloupe": (15.8, 16.6, -61.9, -60.9),
    "Martinique": (14.35, 14.9, -61.3, -60.8),
    "Guyane": (2.1, 5.8, -54.7, -51.5),
    "La Réunion": (-21.45, -20.85, 55.2, 55.9),
    "Mayotte": (-13.05, -12.6, 44.95, 45.35),
    # Saint-Martin / Saint-Barthélemy use Guadeloupe's postcodes (971xx)
    "Saint-Martin et Saint-Barthélemy": (17.85, 18.15, -63.2, -62.75),
}


def in_france(latitude: float, longitude: float) -> bool:
    """Whether the point falls in one of the boxes of France (metropolitan, Corsica, DROM)."""
    return any(s <= latitude <= n and w <= longitude <= e for s, n, w, e in FRANCE_BOXES.values())


def parse_float(value: object) -> float | None:
    """A float from a number or a string ("45.8", "45,8"); None when not a number; tiny
    magnitudes are 0.0 (mapdir.text.flush_tiny: a stored 5e-324 breaks PostgreSQL's maths)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
        return flush_tiny(number) if math.isfinite(number) else None
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if re.fullmatch(r"-?\d+,\d+", text):
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return flush_tiny(number) if math.isfinite(number) else None


def clean_coordinates(
    latitude: object, longitude: object
) -> tuple[float | None, float | None, bool]:
    """Parse a lat/lon pair and check it lies in France.

    Missing or unparsable (or 0,0) → (None, None), counted as a fix when something was
    given. Outside every box of France but inside once swapped → swapped (fix). Outside
    both ways → ``Reject("coordonnées hors de France")``.
    """
    lat, lon = parse_float(latitude), parse_float(longitude)
    given = any(str(v).strip() not in ("", "None") for v in (latitude, longitude))
    if lat is None or lon is None or (lat == 0 and lon == 0):
        return None, None, given
    if in_france(lat, lon):
        return lat, lon, False
    if in_france(lon, lat):
        return lon, lat, True
    raise Reject("coordonnées hors de France", "hors_france")


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
