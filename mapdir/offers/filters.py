"""Offer filters: the values a prescriber or a planner picks (services, publics, fees,
programmes…), already mapped to stored values, and their SQL conditions on an ``offre``
alias: the one filter-to-SQL of the search and the planner's access, and the same
conditions as a Core expression (``clause``) for the statements built on the declared
tables."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import ColumnElement, and_, text, true
from sqlalchemy.sql.expression import FromClause

from mapdir.db.tables import offre
from mapdir.hours.evaluate import Period


@dataclass(frozen=True)
class Filters:
    """Filter values already mapped to stored values: slugs for services, labels otherwise.

    Within one filter any listed value matches (overlap); different filters all apply.
    """

    services: tuple[str, ...] = ()
    publics: tuple[str, ...] = ()
    prise_en_charge: tuple[str, ...] = ()
    gratuit: bool = False
    modalites_accompagnement: tuple[str, ...] = ()
    modalites_acces: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    ouvert: datetime | Period | None = None  # an instant, or some time in a period
    type_offre: str | None = None  # the funders' type (mapdir.offers.type_offre)
    #: with type_offre, also offers whose type cannot be derived (the prescribers' search)
    type_inconnu_inclus: bool = False

    def _type_sql(self, alias: str) -> list[str]:
        from mapdir.offers.type_offre import sql_predicate, unknown_sql

        if not self.type_offre:
            return []
        if self.type_inconnu_inclus:
            return [f"({sql_predicate(self.type_offre, alias)} OR {unknown_sql(alias)})"]
        return [sql_predicate(self.type_offre, alias)]

    @property
    def without_time(self) -> Filters:
        """The same filters without the opening time: what the SQL text depends on (the
        key of the statements' caches)."""
        return self if self.ouvert is None else replace(self, ouvert=None)

    def clause(self, table: FromClause = offre) -> ColumnElement[bool]:
        """The conditions on ``table`` (``offre`` or an alias of it) as a Core expression
        (index-friendly array operators, one array parameter per filter)."""
        conditions = [table.c[column].overlap(list(values)) for _n, column, values in self._lists()]
        if self.gratuit:
            conditions.append(table.c.frais.contains(["Gratuit"]))
        # the type rules are written once in SQL, shared with the hand-written statements
        conditions += [text(sql) for sql in self._type_sql(table.name)]
        return and_(true(), *conditions)

    def where_literal_sql(self, alias: str = "o") -> str:
        """The same conditions with the values written in the statement (quoted literals).

        For prepared statements with generic plans (the search): the planner then knows
        each filter's selectivity from the column statistics (a service held by a third of
        the offers: walk the KNN index; a rare programme: read the GIN index) instead of a
        default guess for an unknown parameter. The values come from closed vocabularies;
        quoting makes any value safe anyway."""
        clauses = [  # values sorted: one statement text (and plan) per set of values
            f"{alias}.{column} && {_text_array(tuple(sorted(values)))}"
            for _name, column, values in self._lists()
        ]
        if self.gratuit:
            clauses.append(f"{alias}.frais @> ARRAY['Gratuit']::text[]")
        clauses += self._type_sql(alias)
        return " AND ".join(clauses) or "TRUE"

    def tags_literal_sql(self) -> str:
        """The same conditions on the offer's tags (``o.etiquettes``, migration 0007), for
        the KNN walk: it tests them on the entries of the index (point, etiquettes) and
        visits the table only for offers that pass. A tag is a hash: the exact conditions
        (``where_literal_sql``) still decide, selected as a column of the window rather
        than added to its WHERE (the planner would count the same filter twice)."""
        tags = [
            "o.etiquettes && ARRAY["
            + ",".join(f"etiquette('{column}', {_quote(v)})" for v in sorted(values))
            + "]"
            for _name, column, values in self._lists()
        ]
        if self.gratuit:
            tags.append("o.etiquettes @> ARRAY[etiquette('frais', 'Gratuit')]")
        return " AND ".join(tags) or "TRUE"

    def _lists(self) -> list[tuple[str, str, tuple[str, ...]]]:
        names = (
            "services",
            "publics",
            "prise_en_charge",
            "modalites_accompagnement",
            "modalites_acces",
            "programmes",
        )
        return [(name, name, getattr(self, name)) for name in names if getattr(self, name)]


def _text_array(values: tuple[str, ...]) -> str:
    """ARRAY['a','b']::text[] with each value quoted as an SQL string literal, for a
    psycopg statement."""
    return "ARRAY[" + ",".join(_quote(value) for value in values) + "]::text[]"


def _quote(value: str) -> str:
    """An SQL string literal for a psycopg statement: quotes doubled for SQL, % doubled
    for psycopg's placeholders (statements with parameters)."""
    if "\x00" in value:
        raise ValueError("NUL character in a filter value")
    return "'" + value.replace("'", "''").replace("%", "%%") + "'"
