"""The weekly hours grid (static/js/horaires.js) only uses classes that the site's stylesheet
defines: it once hid its labels with ``visually-hidden`` while site.css defines ``.sr-only``,
so every label showed and the grid was unstyled (issue 18, animators 2)."""

from __future__ import annotations

import re

from mapdir.config import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "static" / "js" / "horaires.js"
STYLES = PROJECT_ROOT / "static" / "css" / "site.css"


def test_every_class_of_the_hours_grid_is_styled():
    script = SCRIPT.read_text()
    classes = set(re.findall(r'"class": "([^"]+)"', script))
    classes |= set(re.findall(r'className = "([^"]+)"', script))
    classes = {name for value in classes for name in value.split()}
    assert {"grille-horaires", "sr-only"} <= classes
    css = STYLES.read_text()
    missing = sorted(c for c in classes if not re.search(rf"\.{re.escape(c)}(?![\w-])", css))
    assert missing == []
