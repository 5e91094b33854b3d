"""``mapdir export data-inclusion``: the directory in data·inclusion schema v1; and the
``--filtres`` option every export of offers takes (the search's filters, one parameter
model: mapdir.offers.parameters.OfferFilterParams)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import parse_qsl

import click
from werkzeug.datastructures import MultiDict

from mapdir import csv_export
from mapdir.config import Settings
from mapdir.db import get_engine
from mapdir.errors import InvalidParameter
from mapdir.offers.data_inclusion.mapping import Summary
from mapdir.offers.data_inclusion.queries import Scope, iter_records
from mapdir.offers.data_inclusion.validation import validator
from mapdir.offers.filters import Filters
from mapdir.offers.left_out import left_out_line
from mapdir.offers.parameters import OfferFilterParams

TABLES = ("structures", "services")


def _filters(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Filters:
    """``--filtres`` read as a query string by the API's parameter model."""
    if not value:
        return Filters()
    try:
        pairs = MultiDict(parse_qsl(value, keep_blank_values=True))
        return OfferFilterParams.from_query(pairs).filters()
    except InvalidParameter as error:
        raise click.BadParameter(error.message) from None


def filters_option(command: Callable) -> Callable:
    """``--filtres "type_offre=formation&frais=gratuit"``: the search's filters, with the
    same names, values and unknown-is-not-no rule as the API (inclure_inconnus=1)."""
    names = ", ".join(OfferFilterParams.model_fields)
    return click.option(
        "--filtres",
        "filters",
        callback=_filters,
        metavar="REQUÊTE",
        help=f"Filtres de la recherche, comme dans l'API (« type_offre=formation&"
        f"inclure_inconnus=1 ») : {names}.",
    )(command)


def _write_json(records: list[dict[str, Any]] | dict[str, Any], out: TextIO, _table: str) -> None:
    json.dump(records, out, ensure_ascii=False, indent=1)
    out.write("\n")


def _write_csv(records: list[dict[str, Any]], out: TextIO, table: str) -> None:
    """One record per row (the project's CSV writer: lists joined with ``|``, formulas
    neutralised); columns in the records' order, the schema's when there is none."""
    kind = "structure" if table == "structures" else "service"
    header = list(records[0]) if records else list(validator(kind).schema["properties"])
    csv_export.write(out, header, records)


@click.command("data-inclusion")
@click.option("--departement", help="Code du département (ex. 87) ; sinon toute la France.")
@click.option(
    "--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True
)
@click.option("--table", type=click.Choice(TABLES), help="Une seule table (obligatoire en CSV).")
@click.option(
    "--sortie",
    type=click.Path(file_okay=False, path_type=Path),
    help="Dossier où écrire structures.json|csv et services.json|csv (sinon : sortie standard).",
)
@filters_option
@click.pass_obj
def data_inclusion(
    settings: Settings,
    departement: str | None,
    fmt: str,
    table: str | None,
    sortie: Path | None,
    filters: Filters,
) -> None:
    """Structures et services au schéma data·inclusion v1 (offres actives)."""
    from mapdir.geo.importer import normalize_departement

    if fmt == "csv" and table is None and sortie is None:
        raise click.UsageError("En CSV, indiquez --table structures|services ou --sortie DOSSIER.")
    dep = normalize_departement(departement) if departement else None
    scope = Scope(departement=dep, filters=filters)
    summary = Summary()
    tables: dict[str, list[dict[str, Any]]] = {"structures": [], "services": []}
    with get_engine(settings).connect() as conn:
        base_url = settings["MAPDIR_PUBLIC_URL"] or None
        for structure, services in iter_records(conn, scope, base_url, summary):
            tables["structures"].append(structure)
            tables["services"].extend(services)
        left_out = left_out_line(scope.left_out(conn))
    write = _write_json if fmt == "json" else _write_csv
    if sortie is not None:
        sortie.mkdir(parents=True, exist_ok=True)
        for name in (table,) if table else TABLES:
            with (sortie / f"{name}.{fmt}").open("w", encoding="utf-8", newline="") as out:
                write(tables[name], out, name)
    elif table is not None:
        write(tables[table], sys.stdout, table)
    else:
        _write_json(tables, sys.stdout, "")
    for skipped in summary.ignores:
        click.echo(
            f"ignorée : offre {skipped.offre_id} « {skipped.nom} » : {skipped.motif}", err=True
        )
    click.echo(summary.line(), err=True)
    if left_out:
        click.echo(left_out, err=True)
