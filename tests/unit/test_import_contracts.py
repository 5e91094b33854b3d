"""The import-linter contracts of pyproject.toml would catch a back-edge: a copy of `mapdir/`
and `etl/` passes them, and the same copy with one forbidden import fails, naming the broken
contract (decision 0011)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONTRACTS = {
    c["type"]: c["name"]
    for c in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
        "contracts"
    ]
}


def lint_copy(tmp_path: Path, back_edge: tuple[str, str] | None = None):
    """Run lint-imports on a copy of the packages and the config, with ``back_edge``
    (module path, import line) appended to one module of the copy."""
    for package in ("mapdir", "etl"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    if back_edge:
        module, line = back_edge
        with (tmp_path / module).open("a") as handle:
            handle.write(f"\n{line}  # noqa\n")
    # the copy comes first on the path (the project's editable install only answers after)
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "COLUMNS": "200"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_untouched_copy_keeps_every_contract(tmp_path):
    result = lint_copy(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("back_edge", "contract", "offending"),
    [
        (
            ("mapdir/offers/filters.py", "import etl"),
            CONTRACTS["forbidden"],
            "mapdir.offers.filters -> etl",
        ),
        (
            ("mapdir/api/communes.py", "from mapdir.web import web_bp"),
            CONTRACTS["independence"],
            "mapdir.api.communes -> mapdir.web",
        ),
    ],
)
def test_a_back_edge_breaks_its_contract(tmp_path, back_edge, contract, offending):
    result = lint_copy(tmp_path, back_edge)
    assert result.returncode != 0
    assert f"{contract} BROKEN" in result.stdout, result.stdout
    assert offending in result.stdout
