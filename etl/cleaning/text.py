"""Whitespace, HTML markup and mojibake in free text (descriptions, hours, names)."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

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
