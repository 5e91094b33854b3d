"""Settings are declared once and documented; the factory does no work at import time."""

from __future__ import annotations

import importlib
import re

from mapdir.config import PROJECT_ROOT, SETTINGS, Settings


def test_every_setting_documented_in_env_example():
    example = (PROJECT_ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", example, flags=re.M))
    missing = {s.name for s in SETTINGS} - documented
    assert not missing, f"undocumented settings: {missing}"


def test_overrides_and_unknown_settings():
    s = Settings.from_env({"MAPDIR_PG_PORT": "6000"})
    assert s["MAPDIR_PG_PORT"] == "6000"
    try:
        Settings.from_env({"MAPDIR_NOPE": "1"})
    except KeyError as exc:
        assert "MAPDIR_NOPE" in str(exc)
    else:
        raise AssertionError("unknown setting accepted")


def test_import_does_no_work(monkeypatch):
    import mapdir

    called = []
    monkeypatch.setattr("mapdir.db.engines._engine_for", lambda url: called.append(url))
    importlib.reload(mapdir)
    assert called == []
