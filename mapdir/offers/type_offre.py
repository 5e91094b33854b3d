"""The funders' "type d'offre proposée" (assistance, formation, accès libre) of an offer.

One definition, read by Python (`types_of`) and SQL (`sql_predicate`): an offer has a type
when it carries any of the listed services, accompaniment modes or programmes. An offer may
have several types. Unknown is not "no": an offer that states no accompaniment mode and
helps with anything but equipment counts as assistance (the common case: a place listed
for its help whose mode was not given).

- accès libre: internet or equipment access (`acces-internet-materiel`), or "En autonomie";
- formation: "Dans un atelier collectif", or a training programme (PIX certification,
  Grande école du numérique);
- assistance: "Accompagnement individuel" or "À distance", or a programme of individual
  help (France Services, Aidants Connect, Conseillers numériques).

An offer that states no service, no accompaniment mode and none of these programmes has no
type that can be derived (`is_unknown`): unknown, not "not this type". The prescribers'
search treats it as it treats unknown accessibility or fees (mapdir.offers.filters,
left_out): left out of a type filter by default, counted among the places left out for lack
of information, included in one click (``inclure_inconnus``) and then marked « type d'offre
non renseigné »; the planner's accessibility counts only offers whose type is known.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from mapdir.offers import vocab

ASSISTANCE = "assistance"
FORMATION = "formation"
ACCES_LIBRE = "acces_libre"
LABELS = {ASSISTANCE: "Assistance", FORMATION: "Formation", ACCES_LIBRE: "Accès libre"}
TYPES = tuple(LABELS)

#: type → (services, modalites_accompagnement, programmes): any one is enough
RULES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    ACCES_LIBRE: (("acces-internet-materiel",), ("En autonomie",), ()),
    FORMATION: (
        (),
        ("Dans un atelier collectif",),
        ("Certification PIX", "Grande école du numérique"),
    ),
    ASSISTANCE: (
        (),
        ("Accompagnement individuel", "À distance"),
        ("France Services", "Aidants Connect", "Conseillers numériques"),
    ),
}
#: the columns and values a type is derived from: an offer holding none of them has no
#: type that can be derived (the index's narrowing of `unknown_sql`, filters.lacks_query)
STATED_BY = {
    "services": tuple(vocab.SERVICES),
    "modalites_accompagnement": vocab.MODALITES_ACCOMPAGNEMENT,
    "programmes": tuple(sorted({p for _s, _m, progs in RULES.values() for p in progs})),
}
#: services that alone do not make an offer of assistance when no mode is stated
EQUIPMENT_ONLY = ("acces-internet-materiel", "materiel-prix-solidaire")


def types_of(
    services: Iterable[str], modalites: Iterable[str], programmes: Iterable[str]
) -> list[str]:
    """The offer's types, in TYPES order."""
    services, modalites, programmes = set(services), set(modalites), set(programmes)
    found = {
        kind
        for kind, (svc, mod, prog) in RULES.items()
        if services & set(svc) or modalites & set(mod) or programmes & set(prog)
    }
    if not modalites and services - set(EQUIPMENT_ONLY):
        found.add(ASSISTANCE)
    return [t for t in TYPES if t in found]


def offer_types(offer: Mapping[str, Any]) -> list[str]:
    """The types of an offer as the API writes it (mapdir.offers.offer_json)."""
    return types_of(offer["services"], offer["modalites_accompagnement"], offer["programmes"])


def is_unknown(
    services: Iterable[str], modalites: Iterable[str], programmes: Iterable[str]
) -> bool:
    """Nothing stated from which a type could be derived (see `unknown_sql`)."""
    return not list(services) and not types_of((), modalites, programmes)


def _array(values: Sequence[str]) -> str:
    quoted = ",".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"ARRAY[{quoted}]::text[]"


def sql_predicate(kind: str, alias: str = "o") -> str:
    """SQL condition "offer `alias` has type `kind`" (the same rules as `types_of`)."""
    svc, mod, prog = RULES[kind]
    parts = []
    if svc:
        parts.append(f"{alias}.services && {_array(svc)}")
    if mod:
        parts.append(f"{alias}.modalites_accompagnement && {_array(mod)}")
    if prog:
        parts.append(f"{alias}.programmes && {_array(prog)}")
    if kind == ASSISTANCE:
        parts.append(
            f"(cardinality({alias}.modalites_accompagnement) = 0 AND NOT "
            f"({alias}.services <@ {_array(EQUIPMENT_ONLY)}))"
        )
    return "(" + " OR ".join(parts) + ")"


def unknown_sql(alias: str = "o") -> str:
    """SQL condition "offer `alias` has no type that can be derived" (as `is_unknown`)."""
    programmes = STATED_BY["programmes"]
    return (
        f"(cardinality({alias}.services) = 0 AND cardinality({alias}.modalites_accompagnement)"
        f" = 0 AND NOT ({alias}.programmes && {_array(programmes)}))"
    )
