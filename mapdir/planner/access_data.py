"""What the accessibility computation reads from the database: communes with where their
people live and their need, and supply points (offers and permanences) with weekly hours.

Where people live (``point_habitants``): a commune's stored point is a point inside its
polygon or the postal point, which can lie 2 km from the town centre (Bellac: 2.3 km from
its five offers, all in the centre). The best estimate available offline is the bourg: the
median position of the places of the commune geocoded to an address or given by their
source (offers of any status, permanences), inside its polygon and not on the stored point
itself; a commune without such a place keeps its stored point (``point_source``:
"bourg" or "point_commune"). An offer placed only at the commune (``geo_precision``
"commune") is put at that point too; an offer of the commune within MAPDIR_BOURG_RADIUS_M
of it is "in the bourg": reached at once (0 min) from its own commune.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, func, select, tuple_
from sqlalchemy.engine import Connection

from mapdir.db.tables import commune, indicateur_commune
from mapdir.errors import InvalidParameter
from mapdir.offers.filters import Filters
from mapdir.offers.type_offre import types_of
from mapdir.planner import supply as supply_hours
from mapdir.planner.queries import (
    BOURG_SQL,
    COMMUNES_SQL,
    EVERY_COMMUNE,
    OFFERS_IN_BOX,
    PERMANENCES_IN_BOX,
    PLACES_OF_CODES,
    SUPPLY_SQL,
    fetch_binary,
)

NEEDS = ("population", "seniors", "peu_diplomes", "fragilite")
NEED_LABELS = {
    "population": "population (poids 1)",
    "seniors": "part des 65 ans et plus",
    "peu_diplomes": "part des 15 ans et plus sans diplôme ou peu diplômés",
    "fragilite": "moyenne des deux parts (65 ans et plus, peu diplômés)",
}


@dataclass
class Communes:
    """Communes as parallel arrays (index i)."""

    code: np.ndarray
    nom: np.ndarray
    departement: np.ndarray
    epci: np.ndarray
    canton: np.ndarray
    population: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    point_source: np.ndarray
    need: np.ndarray
    need_estimated: np.ndarray

    def __len__(self) -> int:
        return len(self.code)

    def take(self, idx: np.ndarray) -> Communes:
        return Communes(**{k: v[idx] for k, v in self.__dict__.items()})


@dataclass
class Supply:
    """Supply points as parallel arrays (index j): offers at their place, permanences at
    their own place."""

    offre_id: np.ndarray
    permanence_id: np.ndarray  # 0: the offer itself
    nom: np.ndarray
    code_insee: np.ndarray
    precision: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    hours: np.ndarray
    estimated: np.ndarray
    types: list[list[str]]

    def __len__(self) -> int:
        return len(self.offre_id)

    def take(self, idx: np.ndarray) -> Supply:
        values = {k: v[idx] for k, v in self.__dict__.items() if k != "types"}
        return Supply(**values, types=[self.types[i] for i in idx])


def _need_weights(share65, share_dipl, besoin: str) -> np.ndarray:
    if besoin == "seniors":
        return share65 / 100.0
    if besoin == "peu_diplomes":
        return share_dipl / 100.0
    return (share65 + share_dipl) / 200.0


def load_communes(conn: Connection, where: str, params: dict, besoin: str) -> Communes:
    """Communes matching `where` (SQL on alias c, psycopg parameters) with their bourg point
    and need."""
    rows = fetch_binary(conn, COMMUNES_SQL.format(where=where), params)
    n = len(rows)
    code = np.array([r[0] for r in rows], dtype=object)
    lon = np.array([r[6] for r in rows], dtype=float)
    lat = np.array([r[7] for r in rows], dtype=float)
    source = np.full(n, "point_commune", dtype=object)
    if n:
        national = where == EVERY_COMMUNE
        codes = "true" if national else PLACES_OF_CODES
        sql = BOURG_SQL.format(codes_o=codes.format(a="o"), codes_p=codes.format(a="p"))
        bourg = fetch_binary(conn, sql, {"codes": list(code)})
        if bourg:
            frame = pd.DataFrame(bourg, columns=["code", "lon", "lat"])
            medians = frame.groupby("code")[["lon", "lat"]].median()
            index = pd.Index(code).get_indexer(medians.index)
            found = index >= 0
            lon[index[found]] = medians["lon"].to_numpy()[found]
            lat[index[found]] = medians["lat"].to_numpy()[found]
            source[index[found]] = "bourg"
    population = np.array([r[5] for r in rows], dtype=float)
    need, estimated = population.copy(), np.zeros(n, dtype=bool)
    if besoin != "population" and n:
        s65 = np.array([np.nan if r[8] is None else r[8] for r in rows], dtype=float)
        sdip = np.array([np.nan if r[9] is None else r[9] for r in rows], dtype=float)
        deps = np.array([r[2] for r in rows], dtype=object)
        means = _departement_means(conn)
        for k, share in enumerate((s65, sdip)):
            missing = np.isnan(share)
            estimated |= missing
            share[missing] = [means.get(d, means["*"])[k] for d in deps[missing]]
        need = population * _need_weights(s65, sdip, besoin)
    return Communes(
        code=code,
        nom=np.array([r[1] for r in rows], dtype=object),
        departement=np.array([r[2] for r in rows], dtype=object),
        epci=np.array([r[3] for r in rows], dtype=object),
        canton=np.array([r[4] for r in rows], dtype=object),
        population=population,
        lon=lon,
        lat=lat,
        point_source=source,
        need=need,
        need_estimated=estimated,
    )


def _departement_means(conn: Connection) -> dict[str, tuple[float, float]]:
    """Population-weighted mean shares (65+, low diploma) per département, and "*" for
    France (the fallback of a département without any indicator)."""
    c, i = commune.c, indicateur_commune.c

    def weighted(share: ColumnElement[float]) -> ColumnElement[float]:
        known = func.sum(c.population).filter(share.is_not(None))
        return func.sum(c.population * share) / func.nullif(known, 0)

    rows = conn.execute(
        select(
            func.coalesce(c.departement, "*"),
            weighted(i.part_65_plus),
            weighted(i.part_peu_diplomes),
        )
        .join_from(commune, indicateur_commune, i.code_insee == c.code)
        .group_by(func.grouping_sets(tuple_(c.departement), tuple_()))
    ).all()
    means = {r[0]: (r[1], r[2]) for r in rows if r[1] is not None and r[2] is not None}
    if "*" not in means:
        raise InvalidParameter(
            "Aucun indicateur de besoin n'est importé : lancez « mapdir geo import "
            "--indicateurs FICHIER » ou choisissez besoin=population.",
            parametre="besoin",
        )
    return means


def load_supply(
    conn: Connection,
    offer_filter: Filters,
    bbox: tuple[float, float, float, float] | None,
    default_hours: float,
    permanence_hours: float,
) -> Supply:
    """Supply points (within `bbox` = lon/lat min/max, or everywhere) with weekly hours:
    readable hours, else `default_hours` (offers) / `permanence_hours` (permanences),
    flagged estimated."""
    params: dict = {}
    if bbox is None:
        area_o = area_p = "true"
    else:
        params.update(dict(zip(("x0", "y0", "x1", "y1"), bbox, strict=True)))
        area_o, area_p = OFFERS_IN_BOX, PERMANENCES_IN_BOX
    sql = SUPPLY_SQL.format(
        filter_o=offer_filter.where_literal_sql("o"),
        filter_s=offer_filter.where_literal_sql("s"),
        area_o=area_o,
        area_p=area_p,
    )
    rows = fetch_binary(conn, sql, params)
    hours = np.empty(len(rows))
    estimated = np.zeros(len(rows), dtype=bool)
    for k, r in enumerate(rows):
        hours[k], estimated[k] = supply_hours.hours_or_default(
            r[7], permanence_hours if r[11] else default_hours
        )
    kinds: dict[tuple, list[str]] = {}  # few distinct combinations: each computed once
    types = []
    for r in rows:
        key = (tuple(r[8]), tuple(r[9]), tuple(r[10]))
        if key not in kinds:
            kinds[key] = types_of(*key)
        types.append(kinds[key])
    return Supply(
        offre_id=np.array([r[0] for r in rows], dtype=np.int64),
        permanence_id=np.array([r[1] for r in rows], dtype=np.int64),
        nom=np.array([r[2] for r in rows], dtype=object),
        code_insee=np.array([r[3] or "" for r in rows], dtype=object),
        precision=np.array([r[4] for r in rows], dtype=object),
        lon=np.array([r[5] for r in rows], dtype=float),
        lat=np.array([r[6] for r in rows], dtype=float),
        hours=hours,
        estimated=estimated,
        types=types,
    )
