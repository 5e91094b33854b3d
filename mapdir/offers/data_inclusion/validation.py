"""Check records against data·inclusion's own JSON Schema (structure.json, service.json),
formats included (dates, e-mails, URIs), with the ``jsonschema`` library."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any, Literal

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.validators import validator_for

from mapdir.config import PROJECT_ROOT

SCHEMA_DIR = PROJECT_ROOT.parent / "shared" / "data" / "schemas" / "data-inclusion-v1"
Kind = Literal["structure", "service"]


@cache
def validator(kind: Kind, schema_dir: Path = SCHEMA_DIR) -> Draft202012Validator:
    """A validator of ``structure.json`` or ``service.json`` that checks formats too (a
    JSON-Schema validator ignores ``format`` unless asked)."""
    schema = json.loads((schema_dir / f"{kind}.json").read_text(encoding="utf-8"))
    cls = validator_for(schema, default=Draft202012Validator)
    cls.check_schema(schema)
    return cls(schema, format_checker=FormatChecker())


def errors(kind: Kind, records: Iterable[dict[str, Any]]) -> list[str]:
    """One line per schema violation: record id, field path and jsonschema's message."""
    check = validator(kind)
    out = []
    for record in records:
        for error in check.iter_errors(record):
            where = "/".join(str(p) for p in error.absolute_path) or "(racine)"
            out.append(f"{record.get('id')}: {where}: {error.message}")
    return out


@cache
def vocabulary(name: str, schema_dir: Path = SCHEMA_DIR) -> frozenset[str]:
    """The values of one of data·inclusion's lists under ``extra/`` (``thematiques``,
    ``publics``, ``reseaux-porteurs``…)."""
    items = json.loads((schema_dir / "extra" / f"{name}.json").read_text(encoding="utf-8"))
    return frozenset(item["value"] for item in items)
