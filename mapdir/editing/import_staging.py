"""A spreadsheet being imported waits between its two steps (upload, then column mapping)
in a file of its own, ``var/imports/<owner id>/<random token>.json`` (issue 19, finding 10):
at most MAX_PER_USER per account (a new upload replaces the oldest), none older than a day
(removed at each upload and by ``mapdir users purge``, to run daily); another account's
token is simply not found."""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Any

MAX_UPLOAD = 5 * 1024 * 1024
KEPT_SECONDS = 86400
MAX_PER_USER = 3
GONE = (
    "Import introuvable : il a expiré (24 h), a déjà été fait, ou un import plus récent l'a"
    " remplacé. Renvoyez le fichier."
)


def _folder(var_dir: Path, user_id: int) -> Path:
    return var_dir / "imports" / str(int(user_id))


def _path(var_dir: Path, user_id: int, token: str) -> Path | None:
    """The file of ``token``, or None when the token is malformed."""
    if not token.replace("-", "").replace("_", "").isalnum() or len(token) > 64:
        return None
    return _folder(var_dir, user_id) / f"{token}.json"


def purge(var_dir: Path, now: float | None = None) -> int:
    """Remove every staged table older than KEPT_SECONDS; returns how many."""
    limit = (now or time.time()) - KEPT_SECONDS
    removed = 0
    for path in (var_dir / "imports").glob("**/*.json"):
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def stage(var_dir: Path, user_id: int, headers: list[str], rows: list[Any]) -> str:
    """Keep an uploaded table for its owner; returns its token."""
    purge(var_dir)
    folder = _folder(var_dir, user_id)
    folder.mkdir(parents=True, exist_ok=True)
    waiting = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime)
    for old in waiting[: max(0, len(waiting) - (MAX_PER_USER - 1))]:
        old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(16)
    payload = {"user": user_id, "headers": headers, "rows": rows}
    _path(var_dir, user_id, token).write_text(json.dumps(payload, ensure_ascii=False))
    return token


def staged(var_dir: Path, user_id: int, token: str) -> dict[str, Any] | None:
    """``{"user", "headers", "rows"}`` of the user's staged table; None when there is none."""
    path = _path(var_dir, user_id, token)
    if path is None or not path.exists():
        return None
    return json.loads(path.read_text())


def discard(var_dir: Path, user_id: int, token: str) -> None:
    path = _path(var_dir, user_id, token)
    if path is not None:
        path.unlink(missing_ok=True)


def mark_checked(var_dir: Path, user_id: int, token: str, mapping: dict[str, int]) -> None:
    """Remember that the staged table was checked with this column mapping: the import
    itself is allowed only after a successful check of the same file and mapping."""
    stored = staged(var_dir, user_id, token)
    path = _path(var_dir, user_id, token)
    if stored is None or path is None:
        return
    stored["verifie"] = {target: int(index) for target, index in mapping.items()}
    path.write_text(json.dumps(stored, ensure_ascii=False))


def checked_with(stored: dict[str, Any], mapping: dict[str, int]) -> bool:
    """Whether ``stored`` was checked successfully with exactly this mapping."""
    return stored.get("verifie") == mapping
