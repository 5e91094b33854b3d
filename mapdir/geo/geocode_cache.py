"""Implementations of the geocoder cache protocol: memory, SQLite file, PostGIS table."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Engine

from mapdir.db.rows import any_of
from mapdir.db.tables import geocode_cache
from mapdir.geo.geocoder import GeocodeResult

cache = geocode_cache.c


class MemoryGeocodeCache:
    """Cache held in a dict (one process, tests)."""

    def __init__(self) -> None:
        self.entries: dict[str, GeocodeResult] = {}

    def get_many(self, keys: Iterable[str]) -> dict[str, GeocodeResult]:
        return {key: self.entries[key] for key in keys if key in self.entries}

    def put_many(self, entries: Mapping[str, GeocodeResult]) -> None:
        self.entries.update(entries)

    def __len__(self) -> int:
        return len(self.entries)


class SqliteGeocodeCache:
    """Cache in ``<directory>/ban-geocode-cache.sqlite3`` (one JSON answer per key)."""

    FILE_NAME = "ban-geocode-cache.sqlite3"

    def __init__(self, directory: str | Path):
        self.path = Path(directory) / self.FILE_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._connection = sqlite3.connect(self.path)
        self._connection.execute(
            "CREATE TABLE IF NOT EXISTS ban_answer (key TEXT PRIMARY KEY, answer TEXT NOT NULL,"
            " stored_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        )
        self._connection.commit()

    def get_many(self, keys: Iterable[str]) -> dict[str, GeocodeResult]:
        wanted = list(dict.fromkeys(keys))
        found: dict[str, GeocodeResult] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._connection.execute(
                f"SELECT key, answer FROM ban_answer WHERE key IN ({marks})", chunk
            )
            found.update({key: GeocodeResult.from_dict(json.loads(a)) for key, a in rows})
        return found

    def put_many(self, entries: Mapping[str, GeocodeResult]) -> None:
        with self._connection:
            self._connection.executemany(
                "INSERT OR REPLACE INTO ban_answer (key, answer) VALUES (?, ?)",
                [(k, json.dumps(r.to_dict(), ensure_ascii=False)) for k, r in entries.items()],
            )

    def __len__(self) -> int:
        return self._connection.execute("SELECT count(*) FROM ban_answer").fetchone()[0]

    def close(self) -> None:
        self._connection.close()


class PgGeocodeCache:
    """Cache in the ``geocode_cache`` table; each write commits on its own, so answers
    survive a failed import run."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def get_many(self, keys: Iterable[str]) -> dict[str, GeocodeResult]:
        keys = list(keys)
        if not keys:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(select(cache.cle, cache.resultat).where(any_of(cache.cle, keys)))
        return {cle: GeocodeResult.from_dict(res) for cle, res in rows}

    def put_many(self, entries: Mapping[str, GeocodeResult]) -> None:
        if not entries:
            return
        with self.engine.begin() as conn:
            upsert = insert(geocode_cache)
            conn.execute(
                upsert.on_conflict_do_update(
                    index_elements=[cache.cle],
                    set_={"resultat": upsert.excluded.resultat, "created_at": func.now()},
                ),
                [{"cle": k, "resultat": v.to_dict()} for k, v in entries.items()],
            )
