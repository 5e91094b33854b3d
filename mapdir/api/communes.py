"""/api/v1/communes: postcode → communes, name search, one commune."""

from __future__ import annotations

from flask import jsonify, request

from mapdir.api import api_bp
from mapdir.errors import InvalidParameter
from mapdir.geo.services import commune_detail, communes_by_postcode, search_communes
from mapdir.http.context import connection
from mapdir.text import ascii_int


def int_param(name: str, default: int, lo: int, hi: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = ascii_int(raw)
    except ValueError:
        raise InvalidParameter(f"« {name} » doit être un nombre entier.", parametre=name) from None
    if not lo <= value <= hi:
        raise InvalidParameter(f"« {name} » doit être compris entre {lo} et {hi}.", parametre=name)
    return value


@api_bp.get("/communes")
def communes():
    postcode = request.args.get("code_postal")
    q = request.args.get("q")
    if postcode is not None:
        results = communes_by_postcode(connection(), postcode)
    elif q is not None:
        results = search_communes(connection(), q, int_param("limite", 10, 1, 50))
    else:
        raise InvalidParameter(
            "Indiquez « code_postal » (ex. 87400) ou « q » (début du nom de la commune).",
            parametre="code_postal",
        )
    return jsonify({"communes": results, "nombre": len(results)})


@api_bp.get("/communes/<code>")
def commune(code: str):
    return jsonify(commune_detail(connection(), code))
