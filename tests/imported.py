"""Real records imported into the session database for one module, removed afterwards.

``cut_87(folder)`` writes the records of Haute-Vienne (87) cut at test time from the real
files of the offline mirror (never committed); ``imported(engine)`` yields while what a
test imports lives in the session database, then deletes it (the other tests must not see
these offers).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

#: (source, file of the mirror, fields that hold a postcode or an INSEE code; None: all)
SOURCES_87 = (
    ("france-services", "france-services-2024-08-01.csv", ("insee_com",)),
    ("haute-vienne", "haute-vienne-acteurs-numerique-2023-04.json", None),
    ("conseillers-numeriques", "conseillers-numeriques-permanences-2022-12.json", ("code_postal",)),
    ("data-inclusion-lieux", "data-inclusion-lieux-2023-02.json", ("code_insee", "code_postal")),
    ("aidants-connect", "aidants-connect-structures-2023-01.json", ("Code postal",)),
)


def _in_87(record: dict, keys: tuple[str, ...] | None) -> bool:
    return keys is None or any(str(record.get(k) or "").startswith("87") for k in keys)


def cut_87(offers: Path, folder: Path) -> list[tuple[str, Path]]:
    """The 87 records of each source, one file each (same names): (source, path)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for slug, name, keys in SOURCES_87:
        out = folder / name
        if name.endswith(".csv"):
            with open(offers / name, encoding="utf-8", newline="") as fh:
                reader = csv.DictReader(fh)
                rows = [r for r in reader if _in_87(r, keys)]
            with open(out, "w", encoding="utf-8", newline="") as fh:
                writer = csv.DictWriter(fh, reader.fieldnames or [])
                writer.writeheader()
                writer.writerows(rows)
        else:
            records = json.loads((offers / name).read_text(encoding="utf-8"))
            kept = [r for r in records if _in_87(r, keys)]
            out.write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
        files.append((slug, out))
    return files


@contextmanager
def imported(engine) -> Iterator[None]:
    """Everything imported inside the block is deleted at its end."""
    with engine.connect() as c:
        offer0 = c.execute(text("SELECT coalesce(max(id), 0) FROM offre")).scalar()
        run0 = c.execute(text("SELECT coalesce(max(id), 0) FROM import_run")).scalar()
    try:
        yield
    finally:
        with engine.begin() as c:
            for sql in (
                "DELETE FROM doublon WHERE offre_a > :o OR offre_b > :o",
                "DELETE FROM permanence WHERE offre_id > :o",
                "DELETE FROM enregistrement_source WHERE offre_id > :o",
                "UPDATE offre SET fusionnee_dans = NULL WHERE id > :o",
                "DELETE FROM offre WHERE id > :o",
                "DELETE FROM rejet WHERE import_run_id > :r",
                "DELETE FROM import_run WHERE id > :r",
            ):
                c.execute(text(sql), {"o": offer0, "r": run0})
