"""Need indicators per commune: read a census-shares file and load it into its own table.

The reference file is Data For Good's "batch8_mednum" table built from INSEE's 2017 census
(``indicateurs/fragilite-communes-rp2017.csv``); any Département may load its own file of
the same shape (a ``CODE_INSEE`` column and ``TX_…`` percentage columns, ``,`` or ``;``
separated, decimal point or comma). What is kept and why (docs/planner-method.md):

- ``TX_65ETPLUS`` (share aged 65+) and ``TX_NSCOL15P`` (share of people 15+ out of school
  with no or a low diploma) drive the need weights; ``TX_MENSEUL``, ``TX_FAMMONO`` and
  ``TX_25ETMOINS`` are kept for reference;
- ``TX_POVERTY`` is not loaded (its values do not match INSEE's poverty rates),
  ``TX_DEMANDEUR_EMPLOIS`` neither (72 values), nor ``COUVERTURE_HD_THD`` (constant 1.0).

Quirks handled: a code may appear twice (the second row holding only the unused columns):
each column takes the first non-empty value, and two different values are reported; empty
cells stay NULL (the planner then falls back to the département's mean, flagged); a value
outside 0-100 or not a number is set aside with its reason; a 4-digit code lost its leading
zero in a spreadsheet and is padded; a code that is no longer a commune is carried to the
current commune through the old-code table when that commune has no row of its own (mean of
its old codes' values), otherwise it is set aside with its reason. Nothing is dropped
silently: every set-aside row is listed in ``indicateur_import.ecarts``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Engine

from mapdir.db.tables import commune, commune_code_ancien, indicateur_commune, indicateur_import
from mapdir.errors import InvalidParameter
from mapdir.geo.importer import copy_rows

#: table column ← file column
COLUMNS = {
    "part_65_plus": "TX_65ETPLUS",
    "part_peu_diplomes": "TX_NSCOL15P",
    "part_menages_seuls": "TX_MENSEUL",
    "part_familles_mono": "TX_FAMMONO",
    "part_25_moins": "TX_25ETMOINS",
}
REQUIRED = ("CODE_INSEE", "TX_65ETPLUS", "TX_NSCOL15P")
DEFAULT_ORIGIN = (
    "Data For Good, projet batch8_mednum (2020), d'après l'INSEE, recensement de la "
    "population 2017 ; licence MIT"
)
MAX_BYTES = 50_000_000


@dataclass
class IndicatorFile:
    """The rows of a file merged by code: {code: {table column: value or None}}."""

    rows: dict[str, dict[str, float | None]] = field(default_factory=dict)
    ecarts: list[dict[str, str]] = field(default_factory=list)
    lines: int = 0
    duplicates: int = 0


def _number(raw: str) -> float | None:
    raw = (raw or "").strip().replace(",", ".")
    return None if raw == "" else float(raw)


def read_indicators(data: bytes) -> IndicatorFile:
    """Parse and merge the file's rows (see the module docstring); InvalidParameter (French)
    when the file cannot be read or lacks a required column."""
    if len(data) > MAX_BYTES:
        raise InvalidParameter("Fichier d'indicateurs trop volumineux (50 Mo au plus).")
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        content = data.decode("latin-1")
    first = content.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(content), delimiter=delimiter)
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidParameter(
            f"Colonnes absentes du fichier d'indicateurs : {', '.join(missing)} "
            f"(attendues : {', '.join(REQUIRED)}).",
            parametre="indicateurs",
        )
    out = IndicatorFile()
    for line, record in enumerate(reader, start=2):
        out.lines += 1
        code = (record.get("CODE_INSEE") or "").strip().upper()
        if len(code) == 4 and code.isdigit():
            code = "0" + code
        if len(code) != 5:
            out.ecarts.append({"ligne": str(line), "code": code, "motif": "code INSEE invalide"})
            continue
        values: dict[str, float | None] = {}
        for column, source in COLUMNS.items():
            try:
                value = _number(record.get(source) or "")
            except ValueError:
                value = None
                out.ecarts.append(
                    {"ligne": str(line), "code": code, "motif": f"{source} n'est pas un nombre"}
                )
            if value is not None and not 0 <= value <= 100:
                out.ecarts.append(
                    {"ligne": str(line), "code": code, "motif": f"{source} hors de 0-100"}
                )
                value = None
            values[column] = value
        if code in out.rows:
            out.duplicates += 1
            kept = out.rows[code]
            for column, value in values.items():
                if kept[column] is None:
                    kept[column] = value
                elif value is not None and abs(value - kept[column]) > 1e-9:
                    out.ecarts.append(
                        {
                            "ligne": str(line),
                            "code": code,
                            "motif": f"{COLUMNS[column]} en double et différent : "
                            "la première valeur est gardée",
                        }
                    )
        else:
            out.rows[code] = values
    return out


@dataclass
class ImportSummary:
    import_id: int
    counts: dict[str, int]

    def summary(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in self.counts.items())


def _resolve(
    parsed: IndicatorFile, current: set[str], old_codes: dict[str, str]
) -> tuple[dict[str, tuple[dict[str, float | None], list[str]]], list[dict[str, str]]]:
    """{current code: (values, source codes)} and the rows set aside."""
    resolved: dict[str, tuple[dict[str, float | None], list[str]]] = {}
    carried: dict[str, list[str]] = {}
    ecarts: list[dict[str, str]] = []
    for code, values in parsed.rows.items():
        if code in current:
            resolved[code] = (values, [code])
        elif code in old_codes:
            carried.setdefault(old_codes[code], []).append(code)
        else:
            ecarts.append(
                {
                    "code": code,
                    "motif": "code absent des communes en vigueur"
                    " (commune fusionnée depuis le fichier ?)",
                }
            )
    for target, sources in carried.items():
        if target in resolved:
            for code in sources:
                ecarts.append(
                    {
                        "code": code,
                        "motif": f"ancien code de {target}, qui a sa propre ligne : écarté",
                    }
                )
            continue
        means: dict[str, float | None] = {}
        for column in COLUMNS:
            known = [parsed.rows[c][column] for c in sources if parsed.rows[c][column] is not None]
            means[column] = sum(known) / len(known) if known else None
        resolved[target] = (means, sorted(sources))
    return resolved, ecarts


def import_indicators(
    engine: Engine,
    path: Path,
    millesime: str | None = None,
    origine: str | None = None,
    progress: Callable[[str], None] = print,
) -> ImportSummary:
    """Load `path` into ``indicateur_commune`` (replacing the rows in force) in one
    transaction; the vintage defaults to the ``rpYYYY`` of the file name."""
    if not path.is_file():
        raise InvalidParameter(f"Fichier introuvable : {path}.", parametre="indicateurs")
    parsed = read_indicators(path.read_bytes())
    if millesime is None:
        stem = path.stem.lower()
        at = stem.find("rp")
        year = stem[at + 2 : at + 6] if at >= 0 else ""
        millesime = f"RP {year}" if year.isdigit() else "inconnu"
    origine = origine or (DEFAULT_ORIGIN if "fragilite" in path.name else "fichier local")
    progress(f"indicateurs : {parsed.lines} lignes lues, {len(parsed.rows)} codes distincts")
    with engine.begin() as conn:
        current = set(conn.execute(select(commune.c.code)).scalars())
        if not current:
            raise InvalidParameter(
                "Aucune commune en base : lancez d'abord « mapdir geo import --france ».",
                parametre="indicateurs",
            )
        former = commune_code_ancien.c
        old = dict(conn.execute(select(former.code_ancien, former.code_actuel)).all())
        resolved, set_aside = _resolve(parsed, current, old)
        ecarts = parsed.ecarts + set_aside
        counts = {
            "lignes": parsed.lines,
            "codes en double fusionnés": parsed.duplicates,
            "communes chargées": len(resolved),
            "communes portées par leurs anciens codes": sum(
                1 for code, (_, src) in resolved.items() if src != [code]
            ),
            "lignes écartées": len(set_aside),
            "communes sans ligne": len(current - set(resolved)),
        }
        import_id = conn.execute(
            insert(indicateur_import)
            .values(fichier=path.name, millesime=millesime, origine=origine, comptes=counts,
                    ecarts=ecarts)
            .returning(indicateur_import.c.id)
        ).scalar_one()  # fmt: skip
        conn.execute(delete(indicateur_commune))
        copy_rows(  # COPY: 35,000 rows in a fraction of a second
            conn,
            "indicateur_commune",
            ["code_insee", *COLUMNS, "codes_source", "import_id"],
            [
                (code, *(values[c] for c in COLUMNS), sources, import_id)
                for code, (values, sources) in sorted(resolved.items())
            ],
        )
    return ImportSummary(import_id, counts)


def indicators_in_force(conn) -> dict | None:
    """Vintage, origin and file of the indicators in force (None: never imported)."""
    i = indicateur_import.c
    in_force = select(func.max(indicateur_commune.c.import_id)).scalar_subquery()
    row = conn.execute(
        select(i.fichier, i.millesime, i.origine, i.imported_at).where(i.id == in_force)
    ).one_or_none()
    if row is None:
        return None
    return {
        "fichier": row.fichier,
        "millesime": row.millesime,
        "origine": row.origine,
        "importe_le": row.imported_at.date().isoformat(),
    }
