"""The directory (migrations 0002, 0003, 0006-0008): offers and their permanences.

An offer (``offre``) is one place or service of digital inclusion, in the fields of the
national schema of the "médiation numérique" offers; it is rebuilt from its source records
(mapdir.db.tables.etl) after every import, then the people's edits are re-applied over it
(``surcharge``, mapdir.db.tables.editing). A permanence is a place and time where an
itinerant (or multi-site) offer receives people.
"""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import (
    REAL,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Computed,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.sql.naming import conv

from mapdir.db.metadata import EMPTY_ARRAY, EMPTY_OBJECT, PgPoint, metadata, one_of, timestamp

OFFER_STATUSES = ("active", "fermee", "absente_source", "fusionnee", "projet")
GEO_PRECISIONS = ("adresse", "rue", "commune", "source")
PERMANENCE_ORIGINS = ("source", "extraction", "planification", "saisie")
PERMANENCE_STATUSES = ("active", "projet", "fermee")

#: the list columns a search filters on, in the order of the SQL function offre_etiquettes
TAGGED = (
    "services",
    "publics",
    "prise_en_charge",
    "frais",
    "modalites_accompagnement",
    "modalites_acces",
    "programmes",
)
#: the offer's filter tags and half-hour opening slots (migrations 0007 and 0008)
ETIQUETTES = f"offre_etiquettes({', '.join(TAGGED)}) || offre_creneaux(horaires)"
#: the offer's point on the unit sphere (x toward 0° E, z toward the North Pole)
POINT_3D = (
    "ST_MakePoint(cos(radians(ST_Y(point))) * cos(radians(ST_X(point))),"
    " cos(radians(ST_Y(point))) * sin(radians(ST_X(point))), sin(radians(ST_Y(point))))"
)
#: the search's condition for a remote offer, word for word (the partial index's predicate)
REMOTE = (
    "statut = 'active' AND modalites_accompagnement @> ARRAY['À distance']::text[]"
    " AND (point IS NULL OR modalites_accompagnement = ARRAY['À distance']::text[])"
)
ACTIVE = text("statut = 'active'")


def text_list(name: str) -> Column:
    """A ``text[]`` column, never NULL: an empty list when unknown."""
    return Column(name, ARRAY(Text), nullable=False, server_default=EMPTY_ARRAY)


#: an offer. Identity and place: ``nom``, ``pivot`` (SIRET of the structure), address,
#: ``code_insee``, the WGS 84 ``point`` with ``geo_precision`` (address, street, commune or
#: as given by the source) and the geocoder's ``geo_score``. Contact and hours: phones,
#: emails, websites, ``horaires`` (OpenStreetMap opening_hours syntax) and
#: ``horaires_texte`` (the hours as the source wrote them). What it offers, to whom and
#: how: services (national vocabulary; ``services_source`` the source's own labels),
#: publics, prise en charge, fees, access and accompaniment modes, programmes, itinerance.
#: Life cycle: ``statut`` (``absente_source``: no longer in any source file;
#: ``fusionnee``: merged into ``fusionnee_dans``; ``projet``: a published plan's offer),
#: ``date_maj`` (the source's date), ``confirmed_at`` (confirmed up to date by a person),
#: ``champs_source`` (which source, or ``saisie`` for a person, each field comes from).
#: Generated for the search: ``point_xy`` (native point), ``etiquettes`` (filter tags and
#: opening slots), ``point_3d`` (point on the unit sphere).
offre = Table(
    "offre",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("nom", Text, nullable=False),
    Column("pivot", Text),
    text_list("typologie"),
    Column("adresse", Text),
    Column("complement_adresse", Text),
    Column("code_postal", String(5)),
    Column("commune_nom", Text),
    Column("code_insee", String(5), ForeignKey("commune.code")),
    Column("point", Geometry("POINT", 4326, spatial_index=False)),
    Column("geo_precision", Text),
    Column("geo_score", REAL),
    text_list("telephones"),
    text_list("courriels"),
    text_list("sites_web"),
    Column("horaires", Text),
    Column("horaires_texte", Text),
    text_list("services"),
    text_list("services_source"),
    text_list("publics"),
    text_list("prise_en_charge"),
    text_list("frais"),
    text_list("modalites_acces"),
    text_list("modalites_accompagnement"),
    text_list("programmes"),
    text_list("itinerance"),
    Column("acceslibre_url", Text),
    Column("prise_rdv_url", Text),
    Column("prise_rdv", Boolean),
    Column("presentation_resume", Text),
    Column("presentation_detail", Text),
    Column("commentaire", Text),
    Column("date_maj", Date),
    Column("statut", Text, nullable=False, server_default=text("'active'")),
    Column("fusionnee_dans", BigInteger, ForeignKey("offre.id")),
    Column("champs_source", JSONB, nullable=False, server_default=EMPTY_OBJECT),
    timestamp("created_at"),
    timestamp("updated_at"),
    timestamp("confirmed_at", default_now=False),
    Column("point_xy", PgPoint(), Computed("point(ST_X(point), ST_Y(point))", persisted=True)),
    Column("etiquettes", ARRAY(Integer), Computed(ETIQUETTES, persisted=True)),
    Column(
        "point_3d",
        Geometry(geometry_type=None, srid=-1, spatial_index=False),
        Computed(POINT_3D, persisted=True),
    ),
    CheckConstraint(
        one_of("geo_precision", GEO_PRECISIONS), name=conv("offre_geo_precision_check")
    ),
    CheckConstraint(one_of("statut", OFFER_STATUSES), name=conv("offre_statut_check")),
    Index("ix_offre_code_insee", "code_insee"),
    Index("ix_offre_statut", "statut"),
    Index("ix_offre_services", "services", postgresql_using="gin"),
    Index("ix_offre_programmes", "programmes", postgresql_using="gin"),
    Index("ix_offre_publics", "publics", postgresql_using="gin"),
    Index("ix_offre_pivot", "pivot", postgresql_where=text("pivot IS NOT NULL")),
    Index(
        "ix_offre_fusionnee_dans",
        "fusionnee_dans",
        postgresql_where=text("fusionnee_dans IS NOT NULL"),
    ),
    Index("ix_offre_modalites_accompagnement", "modalites_accompagnement", postgresql_using="gin"),
    Index("ix_offre_prise_en_charge", "prise_en_charge", postgresql_using="gin"),
    Index("ix_offre_frais", "frais", postgresql_using="gin"),
    # the national access query's KNN probes, answered from the index alone (ADR 0003)
    Index(
        "ix_offre_point_xy_actif",
        "point_xy",
        postgresql_using="gist",
        postgresql_include=["id", "services", "programmes"],
        postgresql_with={"buffering": "on"},
        postgresql_where=text("statut = 'active' AND point_xy IS NOT NULL"),
    ),
    Index("ix_offre_a_distance", "id", postgresql_where=text(REMOTE)),
    # the search's KNN walk tests filters and opening slots on the index entries (ADR 0004)
    Index(
        "ix_offre_point_etiquettes_actif",
        "point",
        "etiquettes",
        postgresql_using="gist",
        postgresql_ops={"etiquettes": "gist__int_ops(numranges = 252)"},
        postgresql_with={"buffering": "on"},
        postgresql_where=ACTIVE,
    ),
    # the spherical walk of far origins (overseas)
    Index(
        "ix_offre_sphere_actif",
        "point_3d",
        "etiquettes",
        postgresql_using="gist",
        postgresql_ops={
            "point_3d": "gist_geometry_ops_nd",
            "etiquettes": "gist__int_ops(numranges = 252)",
        },
        postgresql_with={"buffering": "on"},
        postgresql_where=ACTIVE,
    ),
)

#: a permanence of an offer: the place (commune, ``lieu``, address, point) and its
#: ``horaires`` (OSM syntax; ``texte_original``: as the source wrote them). ``origine``:
#: given by a source, ``extraction`` from an offer's free text (``extraite``), a published
#: plan's stop (``planification``) or entered by a person (``saisie``);
#: ``enregistrement_id``: the source record it comes from
permanence = Table(
    "permanence",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("offre_id", BigInteger, ForeignKey("offre.id"), nullable=False),
    Column("code_insee", String(5), ForeignKey("commune.code")),
    Column("commune_nom", Text),
    Column("lieu", Text),
    Column("adresse", Text),
    Column("point", Geometry("POINT", 4326, spatial_index=False)),
    Column("horaires", Text),
    Column("texte_original", Text),
    Column("extraite", Boolean, nullable=False, server_default=text("false")),
    Column("origine", Text, nullable=False, server_default=text("'source'")),
    Column("statut", Text, nullable=False, server_default=text("'active'")),
    Column(
        "enregistrement_id",
        BigInteger,
        ForeignKey("enregistrement_source.id", name=conv("fk_permanence_enregistrement")),
    ),
    timestamp("created_at"),
    timestamp("updated_at"),
    CheckConstraint(one_of("origine", PERMANENCE_ORIGINS), name=conv("permanence_origine_check")),
    CheckConstraint(one_of("statut", PERMANENCE_STATUSES), name=conv("permanence_statut_check")),
    Index(
        "ix_permanence_point",
        "point",
        postgresql_using="gist",
        postgresql_with={"buffering": "on"},
    ),
    Index("ix_permanence_offre", "offre_id"),
    Index("ix_permanence_code_insee", "code_insee"),
)
