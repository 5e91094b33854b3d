"""A spreadsheet being imported waits between its two steps (upload, then column mapping)
in a file of its own under ``var/imports/``, named by a random token, with its owner's id.
Abandoned imports are removed after a day."""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Any

MAX_UPLOAD = 5 * 1024 * 1024
KEPT_SECONDS = 86400


def _path(var_dir: Path, token: str) -> Path | None:
    """The file of ``token``, or None when the token is malformed."""
    if not token.replace("-", "").replace("_", "").isalnum() or len(token) > 64:
        return None
    return var_dir / "imports" / f"{token}.json"


def stage(var_dir: Path, user_id: int, headers: list[str], rows: list[Any]) -> str:
    """Keep an uploaded table for its owner; returns its token."""
    token = secrets.token_urlsafe(16)
    path = _path(var_dir, token)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob("*.json"):  # abandoned imports: kept one day
        if stale.stat().st_mtime < time.time() - KEPT_SECONDS:
            stale.unlink(missing_ok=True)
    payload = {"user": user_id, "headers": headers, "rows": rows}
    path.write_text(json.dumps(payload, ensure_ascii=False))
    return token


def staged(var_dir: Path, token: str) -> dict[str, Any] | None:
    """``{"user", "headers", "rows"}`` of a staged table; None when there is none."""
    path = _path(var_dir, token)
    if path is None or not path.exists():
        return None
    return json.loads(path.read_text())


def discard(var_dir: Path, token: str) -> None:
    path = _path(var_dir, token)
    if path is not None:
        path.unlink(missing_ok=True)
