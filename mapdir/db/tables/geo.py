"""Reference geography (migration 0001): départements, EPCI, cantons, communes, postcodes,
former commune codes, and the anomalies met while importing them.

Geometries are WGS 84 (SRID 4326) longitude/latitude; polygons are only loaded for the
départements imported with their shapes (``mapdir geo import``), points for every commune.
"""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.naming import conv

from mapdir.db.metadata import EMPTY_ARRAY, metadata, timestamp


def multipolygon(name: str = "geom") -> Column:
    """A WGS 84 multipolygon; its GiST index is declared with the table (named by the
    migration, not by GeoAlchemy2)."""
    return Column(name, Geometry("MULTIPOLYGON", 4326, spatial_index=False))


def wgs84_point(name: str = "point") -> Column:
    return Column(name, Geometry("POINT", 4326, spatial_index=False))


#: a département: its INSEE code (``2A``, ``971``), name, region and outline
departement = Table(
    "departement",
    metadata,
    Column("code", String(3), primary_key=True),
    Column("nom", Text, nullable=False),
    Column("region", String(3)),
    multipolygon(),
    Index("ix_departement_geom", "geom", postgresql_using="gist"),
)

#: an EPCI (intercommunality) by SIREN: its kind, population, member communes' codes
epci = Table(
    "epci",
    metadata,
    Column("siren", String(9), primary_key=True),
    Column("nom", Text, nullable=False),
    Column("type", Text),
    Column("population", Integer),
    Column("nb_communes", Integer),
    Column("membres", ARRAY(String(5)), nullable=False, server_default=EMPTY_ARRAY),
    multipolygon(),
    Index("ix_epci_geom", "geom", postgresql_using="gist"),
    Index("ix_epci_membres", "membres", postgresql_using="gin"),
)

#: a canton (electoral division) and its outline
canton = Table(
    "canton",
    metadata,
    Column("code", String(6), primary_key=True),
    Column("nom", Text, nullable=False),
    Column("departement", String(3), nullable=False),
    multipolygon(),
    Index("ix_canton_geom", "geom", postgresql_using="gist"),
)

#: a commune (``type``: ``commune-actuelle``, ``arrondissement-municipal`` of Paris, Lyon
#: and Marseille, ``commune-deleguee``… with its ``commune_parente``): its name and
#: ``nom_recherche`` (lower case without accents, for the prefix and trigram searches), its
#: territories, population, postcodes, a representative point (``point_source``: La Poste's
#: point, or ``polygone`` once its outline is imported) and its outline
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
    Column("codes_postaux", ARRAY(String(5)), nullable=False, server_default=EMPTY_ARRAY),
    wgs84_point(),
    Column("point_source", Text),
    multipolygon(),
    timestamp("updated_at"),
    Index(
        "ix_commune_point", "point", postgresql_using="gist", postgresql_with={"buffering": "on"}
    ),
    Index("ix_commune_geom", "geom", postgresql_using="gist"),
    Index("ix_commune_departement", "departement"),
    Index("ix_commune_epci", "epci"),
    Index(
        "ix_commune_nom_recherche",
        "nom_recherche",
        postgresql_using="gin",
        postgresql_ops={"nom_recherche": "gin_trgm_ops"},
    ),
    Index(
        "ix_commune_nom_prefix",
        "nom_recherche",
        postgresql_ops={"nom_recherche": "text_pattern_ops"},
    ),
)

#: the postcodes of a commune (La Poste's file and the communes' own), with the delivery
#: label; a postcode can serve several communes and a commune have several postcodes
code_postal = Table(
    "code_postal",
    metadata,
    Column("code_postal", String(5), nullable=False),
    Column("code_insee", String(5), ForeignKey("commune.code", ondelete="CASCADE"), nullable=False),
    Column("libelle_acheminement", Text),
    Column("source", Text, nullable=False),
    PrimaryKeyConstraint("code_postal", "code_insee", name=conv("pk_code_postal")),
    Index("ix_code_postal_insee", "code_insee"),
)

#: a former commune code (merged communes) and the current commune it leads to;
#: ``methode`` says how the link was established
commune_code_ancien = Table(
    "commune_code_ancien",
    metadata,
    Column("code_ancien", String(5), primary_key=True),
    Column(
        "code_actuel", String(5), ForeignKey("commune.code", ondelete="CASCADE"), nullable=False
    ),
    Column("nom_ancien", Text),
    Column("methode", Text, nullable=False),
)

#: a locality of a commune in La Poste's file ("ligne 5"): a lieu-dit, a delegated or former
#: commune (Chambois and Exmes in Gouffern en Auge), read by the commune resolver and the
#: permanence extractor (migration 0011)
localite = Table(
    "localite",
    metadata,
    Column("code_insee", String(5), ForeignKey("commune.code", ondelete="CASCADE"), nullable=False),
    Column("code_postal", String(5), nullable=False),
    Column("nom", Text, nullable=False),
    PrimaryKeyConstraint("code_insee", "code_postal", "nom", name=conv("pk_localite")),
)

#: a line of a reference file that could not be imported, and why (kept, never dropped)
geo_import_anomalie = Table(
    "geo_import_anomalie",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("fichier", Text, nullable=False),
    Column("code", Text),
    Column("motif", Text, nullable=False),
    Column("ligne", Text),
    timestamp("created_at"),
)
