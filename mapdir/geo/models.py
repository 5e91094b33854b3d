"""Tables of the reference geography (created by the Alembic migrations)."""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import ARRAY, Column, DateTime, ForeignKey, Integer, String, Table, Text

from mapdir.db import metadata

departement = Table(
    "departement",
    metadata,
    Column("code", String(3), primary_key=True),
    Column("nom", Text, nullable=False),
    Column("region", String(3)),
    Column("geom", Geometry("MULTIPOLYGON", 4326, spatial_index=False)),
)

epci = Table(
    "epci",
    metadata,
    Column("siren", String(9), primary_key=True),
    Column("nom", Text, nullable=False),
    Column("type", Text),
    Column("population", Integer),
    Column("nb_communes", Integer),
    Column("membres", ARRAY(String(5)), nullable=False, server_default="{}"),
    Column("geom", Geometry("MULTIPOLYGON", 4326, spatial_index=False)),
)

canton = Table(
    "canton",
    metadata,
    Column("code", String(6), primary_key=True),
    Column("nom", Text, nullable=False),
    Column("departement", String(3), nullable=False),
    Column("geom", Geometry("MULTIPOLYGON", 4326, spatial_index=False)),
)

commune = Table(
    "commune",
    metadata,
    Column("code", String(5), primary_key=True),
    Column("nom", Text, nullable=False),
    Column("nom_recherche", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("departement", String(3), nullable=False),
    Column("region", String(3)),
    Column("arrondissement", String(4)),
    Column("epci", String(9)),
    Column("ept", String(9)),
    Column("canton", String(6)),
    Column("population", Integer),
    Column("commune_parente", String(5)),
    Column("codes_postaux", ARRAY(String(5)), nullable=False, server_default="{}"),
    Column("point", Geometry("POINT", 4326, spatial_index=False)),
    Column("point_source", Text),
    Column("geom", Geometry("MULTIPOLYGON", 4326, spatial_index=False)),
    Column("updated_at", DateTime(timezone=True)),
)

code_postal = Table(
    "code_postal",
    metadata,
    Column("code_postal", String(5), primary_key=True),
    Column("code_insee", String(5), ForeignKey("commune.code"), primary_key=True),
    Column("libelle_acheminement", Text),
    Column("source", Text, nullable=False),
)

commune_code_ancien = Table(
    "commune_code_ancien",
    metadata,
    Column("code_ancien", String(5), primary_key=True),
    Column("code_actuel", String(5), ForeignKey("commune.code"), nullable=False),
    Column("nom_ancien", Text),
    Column("methode", Text, nullable=False),
)

geo_import_anomalie = Table(
    "geo_import_anomalie",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("fichier", Text, nullable=False),
    Column("code", Text),
    Column("motif", Text, nullable=False),
    Column("ligne", Text),
    Column("created_at", DateTime(timezone=True)),
)
