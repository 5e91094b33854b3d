"""Every dependency (pyproject.toml, package.json) is named in docs/dependencies.md."""

from __future__ import annotations

import json
import re
import tomllib

from mapdir.config import PROJECT_ROOT


def _name(requirement: str) -> str:
    """The distribution name of a PEP 508 requirement ("psycopg[binary]>=3.1,<4" → psycopg)."""
    return re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip()).group(0)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_dependencies() -> set[str]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project.get("dependencies", []))
    for group in project.get("optional-dependencies", {}).values():
        requirements += group
    names = {_name(r) for r in requirements}
    names |= set(json.loads((PROJECT_ROOT / "package.json").read_text())["dependencies"])
    return names


def documented_names() -> set[str]:
    """Names written in backticks in docs/dependencies.md (extras stripped)."""
    text = (PROJECT_ROOT / "docs" / "dependencies.md").read_text()
    return {_canonical(_name(m)) for m in re.findall(r"`([A-Za-z0-9][^`\s]*)`", text)}


def test_every_dependency_is_documented():
    missing = {n for n in declared_dependencies() if _canonical(n) not in documented_names()}
    assert not missing, f"dependencies not explained in docs/dependencies.md: {sorted(missing)}"


def test_the_check_sees_a_missing_dependency():
    assert "psycopg" in declared_dependencies()
    assert "leaflet" in declared_dependencies()
    assert _canonical("No_Such.Package") not in documented_names()
