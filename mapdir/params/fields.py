"""Request parameter types: each factory returns an ``Annotated`` type that both validates a
raw value (query text, form field or JSON value) with a French message naming the parameter,
and carries the parameter's OpenAPI schema, so that one declaration does both.

Numbers are read from ASCII digits only ("٣" or "３" are not 3, "nan" is no number). A check raises
InvalidParameter itself: pydantic lets any exception other than ValueError pass through, so the
first bad parameter (in declaration order) answers, with its own message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationInfo, WithJsonSchema

from mapdir.errors import InvalidParameter
from mapdir.params.vocabulary import Vocabulary
from mapdir.text import ascii_float, ascii_int

RANGE = "« {name} » doit être compris entre {lo} et {hi}."
UNKNOWN_VALUE = "Valeur inconnue pour « {name} » : « {value} ». Valeurs possibles : {slugs}."


@dataclass(frozen=True)
class Required:
    """The message when this required parameter is missing or blank."""

    message: str


@dataclass(frozen=True)
class KeepBlank:
    """A blank value is checked as given (by default a blank value counts as absent)."""


@dataclass(frozen=True)
class Listed:
    """On the wire, a list: comma-separated values, repeated query values joined."""


def parameter(
    check: Callable[[Any, str, dict], Any],
    python_type: Any,
    schema: dict[str, Any],
    description: str,
    *extra: Any,
) -> Any:
    """The building block: ``check(raw, name, context)`` returns the value or raises
    InvalidParameter; ``schema`` is what the OpenAPI document says of the raw value.
    ``context`` holds the parse's context and, under "fields", the fields declared before
    this one, already validated (a bound that depends on another parameter)."""

    def validate(raw: Any, info: ValidationInfo) -> Any:
        return check(raw, info.field_name, {**(info.context or {}), "fields": info.data})

    return Annotated[
        python_type,
        BeforeValidator(validate),
        WithJsonSchema(schema),
        Field(description=description),
        *extra,
    ]


def fail(message: str, name: str, **values: Any) -> InvalidParameter:
    return InvalidParameter(message.format(name=name, **values), parametre=name)


def integer(lo: int, hi: int, description: str, *, noun: str = "un nombre entier") -> Any:
    """An integer within [lo, hi], written with ASCII digits (mapdir.text.ascii_int)."""
    schema = {"type": "integer", "minimum": lo, "maximum": hi}
    return parameter(_ranged_check(ascii_int, lo, hi, noun), int, schema, description)


def decimal_check(lo: float, hi: float, noun: str = "un nombre décimal") -> Callable:
    """``check(raw, name, context)`` of a finite number within [lo, hi] written with ASCII
    characters (mapdir.text.ascii_float); the bounds are written in messages as declared."""
    return _ranged_check(ascii_float, lo, hi, noun)


def _ranged_check(parse: Callable[[Any], Any], lo: Any, hi: Any, noun: str) -> Callable:
    """``check(raw, name, context)``: ``parse(raw)`` (ValueError: « doit être {noun} »)
    within [lo, hi]."""

    def check(raw: Any, name: str, _context: dict) -> Any:
        try:
            value = parse(raw)
        except ValueError:
            raise fail("« {name} » doit être {noun}.", name, noun=noun) from None
        if not lo <= value <= hi:
            raise fail(RANGE, name, lo=lo, hi=hi)
        return value

    return check


def decimal(lo: float, hi: float, description: str, *, noun: str = "un nombre décimal") -> Any:
    """A finite number within [lo, hi]."""
    schema = {"type": "number", "minimum": lo, "maximum": hi}
    return parameter(decimal_check(lo, hi, noun), float, schema, description)


def text(
    description: str,
    *,
    clean: Callable[[str], str] = str.strip,
    check: Callable[[str], str] | None = None,
    schema: dict[str, Any] | None = None,
    required: str | None = None,
    keep_blank: bool = False,
) -> Any:
    """A string, cleaned (stripped by default) then checked by ``check`` (which raises its own
    InvalidParameter, e.g. mapdir.geo.services.validate_postcode)."""

    def validate(raw: Any, name: str, _context: dict) -> str:
        value = clean(str(raw))
        return check(value) if check else value

    extra = (Required(required),) if required else ()
    extra += (KeepBlank(),) if keep_blank else ()
    return parameter(validate, str, schema or {"type": "string"}, description, *extra)


def _items(raw: Any) -> list[str]:
    items = raw if isinstance(raw, list | tuple) else str(raw).split(",")
    return [str(v).strip() for v in items if str(v).strip()]


def many_of(vocabulary: Vocabulary, description: str, *, unknown: str = UNKNOWN_VALUE) -> Any:
    """Several values of a vocabulary (a JSON list, or comma-separated) → their stored labels,
    in the order asked, without repeats. ``unknown`` may use {name}, {value}, {slugs},
    {labels}."""

    def check(raw: Any, name: str, _context: dict) -> tuple[str, ...]:
        asked = _items(raw)
        bad = [v for v in asked if vocabulary.label(v) is None]
        if bad:
            raise _unknown(unknown, name, ", ".join(bad), vocabulary)
        return tuple(dict.fromkeys(vocabulary.label(v) for v in asked))

    schema = {"type": "array", "items": {"type": "string", "enum": vocabulary.slugs}}
    return parameter(check, tuple[str, ...], schema, description, Listed())


def one_of(vocabulary: Vocabulary, description: str, *, unknown: str = UNKNOWN_VALUE) -> Any:
    """One value of a vocabulary → its stored label."""

    def check(raw: Any, name: str, _context: dict) -> str:
        label = vocabulary.label(str(raw).strip())
        if label is None:
            raise _unknown(unknown, name, str(raw).strip(), vocabulary)
        return label

    return parameter(check, str, {"type": "string", "enum": vocabulary.slugs}, description)


def _unknown(message: str, name: str, value: str, vocabulary: Vocabulary) -> InvalidParameter:
    slugs, labels = ", ".join(sorted(vocabulary.slugs)), ", ".join(vocabulary.labels)
    return fail(message, name, value=value, slugs=slugs, labels=labels)
