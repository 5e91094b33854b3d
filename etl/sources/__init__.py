"""Registry of the offer sources: one ``Source`` per module of this package.

``SOURCES[slug]`` gives the reader, the mapper and the id function of a source, plus its
public download address and the glob matching its files in an offers folder;
``newest_file`` picks the most recent snapshot by the date in the file name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from etl.record import OfferRecord


@dataclass(frozen=True)
class Source:
    slug: str
    label: str  # French, for users
    url: str  # public download address (or dataset page)
    file_glob: str  # pattern of its files in the offers folder
    format: str  # "csv", "json", "csv|json"…
    read: Callable[[Path], Iterator[dict[str, Any]]]
    map: Callable[[dict[str, Any]], OfferRecord]
    source_id: Callable[[dict[str, Any]], str]


def _from_module(module: ModuleType) -> Source:
    return Source(
        slug=module.SLUG,
        label=module.LABEL,
        url=module.URL,
        file_glob=module.FILE_GLOB,
        format=module.FORMAT,
        read=module.read,
        map=module.map_record,
        source_id=module.source_id,
    )


def _load() -> dict[str, Source]:
    from etl.sources import (
        aidants_connect,
        conseillers_numeriques,
        data_inclusion_lieux,
        france_services,
        haute_vienne,
        mednum_v1,
    )

    modules = (
        france_services,
        mednum_v1,
        data_inclusion_lieux,
        conseillers_numeriques,
        haute_vienne,
        aidants_connect,
    )
    return {module.SLUG: _from_module(module) for module in modules}


SOURCES: dict[str, Source] = _load()

_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4})-(\d{2})(?:-(\d{2}))?(?!\d)")


def file_date(path: Path) -> tuple[int, int, int] | None:
    """(year, month, day) found in a file name ("…-2024-08-01.csv", "…-2023-02.json")."""
    found = _DATE_IN_NAME.findall(Path(path).name)
    if not found:
        return None
    year, month, day = found[-1]
    return int(year), int(month), int(day or 0)


_DATED_NAME = re.compile(r"[-_.]?\d{4}-\d{2}(?:-\d{2})?(?=[-_.]|$)")


def dataset_of(path: Path, slug: str = "") -> str:
    """The dataset a file is a snapshot of: its name without extension and date
    ("charente-lieux-2023-07.json" → "charente-lieux"; both France Services files →
    "france-services"). Two regional files of one format are two datasets."""
    stem = Path(path).name.rsplit(".", 1)[0] if "." in Path(path).name else Path(path).name
    return _DATED_NAME.sub("", stem).strip("-_. ") or slug


def newest_file(slug: str, folder: Path) -> Path | None:
    """The file of source ``slug`` in ``folder`` with the newest date in its name."""
    candidates = [p for p in Path(folder).glob(SOURCES[slug].file_glob) if p.is_file()]
    if not candidates:
        return None
    return max(candidates, key=lambda p: (file_date(p) or (0, 0, 0), p.name))
