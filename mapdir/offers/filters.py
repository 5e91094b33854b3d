"""Offer filters: the values a prescriber or a planner picks (services, publics, fees,
programmes…), already mapped to stored values, and their SQL conditions on an ``offre``
alias: the one filter-to-SQL of the search and the planner's access, and the same
conditions as a Core expression (``clause``) for the statements built on the declared
tables.

What the data does not say is not "no" (issue 18). ``publics`` lists the publics a place
*specifically* addresses: a place naming none of them is open to all and matches any
publics filter. A place that says nothing of its accessibility (``prise_en_charge``) or its
fees, or nothing its type d'offre could be derived from (mapdir.offers.type_offre), is
*unknown* for those filters: left out by default (the search counts the nearer ones so left
out and says so), kept with ``inclure_inconnus``. In the index, "says none of the
vocabulary" is an intarray query with negations (``etiquettes @@ '(a | !a & !b …)'``),
tested on the entries as the other tags are."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Boolean, ColumnElement, and_, false, literal_column, not_, or_, true
from sqlalchemy.sql.expression import FromClause

from mapdir.db.tables import offre
from mapdir.hours.evaluate import Period
from mapdir.offers import type_offre, vocab

#: the list filters whose values the data may not state: column → its whole vocabulary
OPEN_TO_ALL = {"publics": vocab.PUBLICS}  # none stated: open to all
UNKNOWABLE = {"prise_en_charge": vocab.PRISE_EN_CHARGE, "frais": vocab.FRAIS}
#: the name of the type d'offre among the unknowable filters (Filters.unknowable)
TYPE = "type_offre"
RECEIVES_NO_PUBLIC = "Ce lieu n'accueille pas de public"
#: typologies of places whose help is for their residents (hostels, asylum centres…)
RESIDENTS_ONLY = ("CADA", "CHRS", "CHU", "CPH", "HUDA", "PENSION", "RS_FJT")
#: the same kinds named in the place's name, when the source gives no typologie (the
#: Haute-Garonne listings of data·inclusion: "[ADOMA] |DNA| PRAHDA …", "[AGAPEI] |MDPH| EANM
#: SAVS …"): hostels, and the medico-social homes and services of their admitted users
#: (MDPH notification: EANM, FAM, IME, SAVS, SAMSAH…). Acronyms in capitals, as whole words
#: ("ESATITUDE", "Mas Clairanne", "Mairie du Mas d'Azil" are not them: no bare MAS); words,
#: and acronyms no word shares (SAVS, SAMSAH), in any case. One regex text for PostgreSQL
#: and Python (lookarounds and \w mean the same): tests/unit/test_residents_only.py.
RESIDENTS_ONLY_NAME = (
    r"(?<!\w)(CHRS|CADA|HUDA|PRAHDA|MECS|D?ITEP|EHPAD|FJT|ESAT|EANM|EAM|FAM|IME|IMPRO|IEM|"
    r"SESSAD)(?!\w)|\|\s*RS(?!\w)"
)
RESIDENTS_ONLY_WORDS = (
    r"(?i)(?<!\w)(foyers? d['’]\s*(h[eé]bergement|accueil m[eé]dicalis[eé])|foyers? de vie|"
    r"maisons? d['’]\s*accueil sp[eé]cialis[eé]e|post[- ]?cure|savs|samsah)(?!\w)"
)
#: what the source says of access that outweighs a guess from the name
WALK_IN = "Se présenter"


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
    #: unknown accessibility, fees, hours or type match too (the search's one-click "include")
    inclure_inconnus: bool = False
    #: places not receiving the public or reserved to residents are proposed too
    inclure_reserves: bool = False

    def _type_sql(self, alias: str) -> list[str]:
        if not self.type_offre:
            return []
        kind = type_offre.sql_predicate(self.type_offre, alias)
        if self.inclure_inconnus:  # an offer stating nothing its type derives from
            return [f"({kind} OR {type_offre.unknown_sql(alias)})"]
        return [kind]

    @property
    def without_time(self) -> Filters:
        """The same filters without the opening time: what the SQL text depends on (the
        key of the statements' caches)."""
        return self if self.ouvert is None else replace(self, ouvert=None)

    def clause(self, table: FromClause = offre) -> ColumnElement[bool]:
        """The conditions on ``table`` (``offre`` or an alias of it) as a Core expression
        (index-friendly array operators, one array parameter per filter)."""
        conditions = [
            self._or_unstated_clause(table.c[column].overlap(list(values)), column, table)
            for _n, column, values in self._lists()
        ]
        if self.gratuit:
            free = table.c.frais.contains(["Gratuit"])
            conditions.append(self._or_unstated_clause(free, "frais", table))
        # the type rules are written once in SQL, shared with the hand-written statements
        conditions += [_condition(sql) for sql in self._type_sql(table.name)]
        return and_(true(), *conditions)

    def left_out_clause(self, table: FromClause = offre) -> ColumnElement[bool]:
        """The offers these filters leave out for lack of information only: they would
        match with ``inclure_inconnus`` (the exports count them, as the search does)."""
        if self.inclure_inconnus or not self.unknowable:
            return false()
        relaxed = replace(self, inclure_inconnus=True)
        return and_(relaxed.clause(table), not_(self.clause(table)))

    def lacks_clauses(self, table: FromClause = offre) -> dict[str, ColumnElement[bool]]:
        """For each active unknowable filter, the offer says nothing it could decide on."""
        return {name: _condition(lacks_sql(name, table.name)) for name in self.unknowable}

    def _or_unstated_clause(
        self, condition: ColumnElement[bool], column: str, table: FromClause
    ) -> ColumnElement[bool]:
        if not self._unstated_matches(column):
            return condition
        every = list(OPEN_TO_ALL.get(column) or UNKNOWABLE[column])
        return or_(condition, not_(table.c[column].overlap(every)))

    def _unstated_matches(self, column: str) -> bool:
        """Whether an offer stating none of the column's vocabulary matches its filter."""
        return column in OPEN_TO_ALL or (self.inclure_inconnus and column in UNKNOWABLE)

    def _or_unstated(self, clause: str, column: str, alias: str) -> str:
        if not self._unstated_matches(column):
            return clause
        return f"({clause} OR {unstated_sql(column, alias)})"

    @property
    def unknowable(self) -> tuple[str, ...]:
        """The active filters the data may leave undecided (UNKNOWABLE's columns, and the
        type d'offre): an offer saying nothing they could be decided on is left out unless
        ``inclure_inconnus`` (see ``lacks_sql``)."""
        on = {"prise_en_charge": self.prise_en_charge, "frais": self.gratuit,
              TYPE: self.type_offre}  # fmt: skip
        return tuple(name for name, value in on.items() if value)

    def reserved_sql(self, alias: str = "o") -> str:
        """Offers not receiving the public, or only their residents (the search leaves them
        out unless ``inclure_reserves``, or unless the filters ask for them)."""
        return (
            f"({alias}.modalites_acces @> {_text_array((RECEIVES_NO_PUBLIC,))} OR "
            f"(cardinality({alias}.typologie) > 0 AND "
            f"{alias}.typologie <@ {_text_array(RESIDENTS_ONLY)}) OR "
            f"(({alias}.nom ~ {_quote(RESIDENTS_ONLY_NAME)} OR "
            f"{alias}.nom ~ {_quote(RESIDENTS_ONLY_WORDS)}) AND "
            f"NOT {alias}.modalites_acces @> {_text_array((WALK_IN,))}))"
        )

    @property
    def excludes_reserved(self) -> bool:
        return not self.inclure_reserves and RECEIVES_NO_PUBLIC not in self.modalites_acces

    def where_literal_sql(self, alias: str = "o") -> str:
        """The same conditions with the values written in the statement (quoted literals).

        For prepared statements with generic plans (the search): the planner then knows
        each filter's selectivity from the column statistics (a service held by a third of
        the offers: walk the KNN index; a rare programme: read the GIN index) instead of a
        default guess for an unknown parameter. The values come from closed vocabularies;
        quoting makes any value safe anyway."""
        clauses = [  # values sorted: one statement text (and plan) per set of values
            self._or_unstated(
                f"{alias}.{column} && {_text_array(tuple(sorted(values)))}", column, alias
            )
            for _name, column, values in self._lists()
        ]
        if self.gratuit:
            clauses.append(self._or_unstated(FREE_SQL.format(alias), "frais", alias))
        clauses += self._type_sql(alias)
        return " AND ".join(clauses) or "TRUE"

    def tags_literal_sql(self) -> str:
        """The same conditions on the offer's tags (``o.etiquettes``, migration 0007), for
        the KNN walk: it tests them on the entries of the index (point, etiquettes) and
        visits the table only for offers that pass. A tag is a hash: the exact conditions
        (``where_literal_sql``) still decide, selected as a column of the window rather
        than added to its WHERE (the planner would count the same filter twice)."""
        tags = []
        for _name, column, values in self._lists():
            if self._unstated_matches(column):
                tags.append(f"o.etiquettes @@ '{any_or_unstated(column, values)}'::query_int")
            else:
                tags.append(
                    "o.etiquettes && ARRAY["
                    + ",".join(f"etiquette('{column}', {_quote(v)})" for v in sorted(values))
                    + "]"
                )
        if self.gratuit and self._unstated_matches("frais"):
            tags.append(f"o.etiquettes @@ '{any_or_unstated('frais', ('Gratuit',))}'::query_int")
        elif self.gratuit:
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


FREE_SQL = "{0}.frais @> ARRAY['Gratuit']::text[]"


def unstated_sql(column: str, alias: str = "o") -> str:
    """The offer states none of the column's vocabulary (open to all, or unknown)."""
    every = OPEN_TO_ALL.get(column) or UNKNOWABLE[column]
    return f"NOT {alias}.{column} && {_text_array(tuple(every))}"


def lacks_sql(name: str, alias: str = "o") -> str:
    """The offer says nothing the unknowable filter ``name`` (Filters.unknowable) could be
    decided on: none of the column's vocabulary, or no type that can be derived."""
    return type_offre.unknown_sql(alias) if name == TYPE else unstated_sql(name, alias)


def tag(dimension: str, value: str) -> int:
    """The SQL function ``etiquette(dimension, valeur)`` (migration 0007) in Python: the first
    32 bits of the MD5 of ``dimension:valeur`` as a signed integer."""
    number = int(hashlib.md5(f"{dimension}:{value}".encode()).hexdigest()[:8], 16)
    return number - 2**32 if number >= 2**31 else number


@lru_cache(maxsize=256)
def unstated_query(column: str) -> str:
    """intarray query: none of the column's vocabulary among the tags."""
    every = OPEN_TO_ALL.get(column) or UNKNOWABLE[column]
    return " & ".join(f"!{tag(column, v)}" for v in sorted(every))


@lru_cache(maxsize=8)
def lacks_query(name: str) -> str:
    """intarray query on the tags, true for every offer ``lacks_sql`` holds for (it narrows
    in the index; ``lacks_sql`` decides): for the type, none of the tags its rules read."""
    if name != TYPE:
        return unstated_query(name)
    stated = type_offre.STATED_BY.items()
    return " & ".join(f"!{tag(c, v)}" for c, values in stated for v in sorted(values))


def any_or_unstated(column: str, values: tuple[str, ...]) -> str:
    """intarray query: one of ``values``, or none of the column's vocabulary."""
    wanted = " | ".join(str(tag(column, v)) for v in sorted(values))
    return f"{wanted} | {unstated_query(column)}"


def _condition(sql: str) -> ColumnElement[bool]:
    """A condition written in SQL as a Core boolean (it can be negated, unlike text())."""
    return literal_column(f"({sql})", Boolean)


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
