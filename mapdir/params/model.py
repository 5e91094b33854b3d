"""Params: the base of every endpoint's parameters (a pydantic model whose fields are
mapdir.params.fields types). One class per endpoint validates the query string, the form or
the JSON body, and is what the OpenAPI document is generated from."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from mapdir.errors import InvalidParameter
from mapdir.params.fields import KeepBlank, Listed, Required

NOT_AN_OBJECT = "Envoyez un objet JSON (Content-Type: application/json)."


class Params(BaseModel):
    """Validated request parameters. A blank value counts as absent (its default applies)."""

    model_config = ConfigDict(frozen=True, extra="ignore", arbitrary_types_allowed=True)
    #: answer 400 to a parameter the endpoint does not know (names starting with "_", such
    #: as cache busters, are always let through)
    reject_unknown: ClassVar[bool] = False
    #: the values that count as absent besides blank strings (None: only these)
    blank_values: ClassVar[tuple[Any, ...] | None] = None

    @classmethod
    def is_blank(cls, value: Any) -> bool:
        if cls.blank_values is not None:
            return any(value is b or value == b for b in cls.blank_values)
        return value is None or (isinstance(value, str) and not value.strip())

    @classmethod
    def parse(cls, data: Any, **context: Any) -> Self:
        """Validated parameters from a mapping of raw values; InvalidParameter (French, with
        the parameter's name) on the first bad one. ``context`` reaches the checks (e.g.
        ``now`` for opening times, ``settings`` for defaults)."""
        if not isinstance(data, Mapping):
            raise InvalidParameter(NOT_AN_OBJECT)
        if cls.reject_unknown:
            cls._reject_unknown(data)
        values = {
            k: v
            for k, v in data.items()
            if k in cls.model_fields and (not cls.is_blank(v) or cls._marked(k, KeepBlank))
        }
        for name, field in cls.model_fields.items():
            if name not in values and field.is_required():
                required = (m.message for m in field.metadata if isinstance(m, Required))
                message = next(required, f"Indiquez « {name} ».")
                raise InvalidParameter(message, parametre=name)
        try:
            return cls.model_validate(values, context=context)
        except ValidationError as error:  # every field checks with its own message: a bug
            name = str(error.errors()[0]["loc"][0]) if error.errors()[0]["loc"] else None
            raise InvalidParameter(f"« {name} » invalide.", parametre=name) from None

    @classmethod
    def from_query(cls, args: Any, **context: Any) -> Self:
        """From a query string or form (a werkzeug MultiDict): a list parameter takes every
        repeated value (joined with commas), another one its first value."""
        data = {}
        for name in args:
            values = args.getlist(name)
            data[name] = ",".join(values) if cls.is_list(name) else values[0]
        return cls.parse(data, **context)

    @classmethod
    def is_list(cls, name: str) -> bool:
        return cls._marked(name, Listed)

    @classmethod
    def _marked(cls, name: str, marker: type) -> bool:
        field = cls.model_fields.get(name)
        return field is not None and any(isinstance(m, marker) for m in field.metadata)

    @classmethod
    def _reject_unknown(cls, data: Mapping) -> None:
        for name in data:
            if name not in cls.model_fields and not str(name).startswith("_"):
                raise InvalidParameter(
                    f"Paramètre inconnu : « {name} ». Paramètres acceptés : "
                    f"{', '.join(sorted(cls.model_fields))}.",
                    parametre=name,
                )
