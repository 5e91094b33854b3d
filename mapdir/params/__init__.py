"""Request parameters declared once: each endpoint's Params model validates the query string,
form or JSON body (French 400s ``{"erreur", "parametre"}``) and generates its part of the
OpenAPI document. Shared by the API, the HTML pages, the CLI and the domain services (it
imports no Flask). How to add a parameter or an endpoint: docs/decisions/0001-… (see ADR)."""

from mapdir.params.fields import decimal, integer, many_of, one_of, parameter, text
from mapdir.params.model import Params
from mapdir.params.vocabulary import Vocabulary, slugify

__all__ = [
    "Params",
    "Vocabulary",
    "decimal",
    "integer",
    "many_of",
    "one_of",
    "parameter",
    "slugify",
    "text",
]
