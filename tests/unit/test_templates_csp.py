"""The templates carry no inline script, style attribute or event handler: the strict
Content-Security-Policy would block them (issue 19, finding 10)."""

from __future__ import annotations

import re

import pytest

from mapdir.config import PROJECT_ROOT

TEMPLATES = sorted((PROJECT_ROOT / "templates").rglob("*.html"))
SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b", re.IGNORECASE)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_no_inline_code(path):
    html = path.read_text(encoding="utf-8")
    for attributes in SCRIPT.findall(html):
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes
    assert not STYLE_ATTRIBUTE.search(html)
    assert not HANDLER.search(html)
    assert not INLINE_STYLE.search(html)


def test_the_templates_are_found():
    assert len(TEMPLATES) >= 10
