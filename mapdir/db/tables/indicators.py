"""Need indicators per commune (migration 0009): each load of a file with its vintage,
origin, counts and the rows set aside, and the shares in force (mapdir.geo.indicators)."""

from __future__ import annotations

from sqlalchemy import REAL, Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from mapdir.db.metadata import EMPTY_OBJECT, metadata, timestamp

#: one load of an indicators file: its name, vintage (« RP 2017 »), origin, counts and
#: every row set aside with its reason (nothing is dropped silently)
indicateur_import = Table(
    "indicateur_import",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("fichier", Text, nullable=False),
    Column("millesime", Text, nullable=False),
    Column("origine", Text, nullable=False),
    Column("comptes", JSONB, nullable=False, server_default=EMPTY_OBJECT),
    Column("ecarts", JSONB, nullable=False),
    timestamp("imported_at"),
)

#: the shares in force per current commune (percentages, NULL: no value in the file) and
#: the file's codes they come from (the commune's own, or its merged old codes)
indicateur_commune = Table(
    "indicateur_commune",
    metadata,
    Column(
        "code_insee", String(5), ForeignKey("commune.code", ondelete="CASCADE"), primary_key=True
    ),
    Column("part_65_plus", REAL),
    Column("part_peu_diplomes", REAL),
    Column("part_menages_seuls", REAL),
    Column("part_familles_mono", REAL),
    Column("part_25_moins", REAL),
    Column("codes_source", ARRAY(String(5)), nullable=False),
    Column("import_id", Integer, ForeignKey("indicateur_import.id"), nullable=False),
)
