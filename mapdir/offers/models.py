"""Tables of the directory (created by migration 0002), as SQLAlchemy Core tables."""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB

from mapdir.db import metadata

import_run = Table(
    "import_run",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", Text, nullable=False),
    Column("fichier", Text),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("statut", Text, nullable=False),
    Column("comptes", JSONB, nullable=False),
    Column("message", Text),
)

LIST_FIELDS = (
    "typologie",
    "telephones",
    "courriels",
    "sites_web",
    "services",
    "services_source",
    "publics",
    "prise_en_charge",
    "frais",
    "modalites_acces",
    "modalites_accompagnement",
    "programmes",
    "itinerance",
)
SCALAR_FIELDS = (
    "nom",
    "pivot",
    "adresse",
    "complement_adresse",
    "code_postal",
    "commune_nom",
    "code_insee",
    "horaires",
    "horaires_texte",
    "acceslibre_url",
    "prise_rdv_url",
    "prise_rdv",
    "presentation_resume",
    "presentation_detail",
    "commentaire",
    "date_maj",
)

offre = Table(
    "offre",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("nom", Text, nullable=False),
    Column("pivot", Text),
    Column("adresse", Text),
    Column("complement_adresse", Text),
    Column("code_postal", String(5)),
    Column("commune_nom", Text),
    Column("code_insee", String(5), ForeignKey("commune.code")),
    Column("point", Geometry("POINT", 4326, spatial_index=False)),
    Column("geo_precision", Text),
    Column("geo_score", Float),
    *(Column(name, ARRAY(Text), nullable=False) for name in LIST_FIELDS),
    Column("horaires", Text),
    Column("horaires_texte", Text),
    Column("acceslibre_url", Text),
    Column("prise_rdv_url", Text),
    Column("prise_rdv", Boolean),
    Column("presentation_resume", Text),
    Column("presentation_detail", Text),
    Column("commentaire", Text),
    Column("date_maj", Date),
    Column("statut", Text, nullable=False),
    Column("fusionnee_dans", BigInteger, ForeignKey("offre.id")),
    Column("champs_source", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True)),
    Column("confirmed_at", DateTime(timezone=True)),
)

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
    Column("extraite", Boolean, nullable=False),
    Column("origine", Text, nullable=False),
    Column("statut", Text, nullable=False),
    Column("enregistrement_id", BigInteger, ForeignKey("enregistrement_source.id")),
    Column("created_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True)),
)

enregistrement_source = Table(
    "enregistrement_source",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("source", Text, nullable=False),
    Column("source_id", Text, nullable=False),
    Column("offre_id", BigInteger, ForeignKey("offre.id"), nullable=False),
    Column("brut", JSONB, nullable=False),
    Column("donnees", JSONB, nullable=False),
    Column("empreinte", Text, nullable=False),
    Column("present", Boolean, nullable=False),
    Column("premiere_vue", DateTime(timezone=True)),
    Column("derniere_vue", DateTime(timezone=True)),
    Column("modifie_le", DateTime(timezone=True)),
    Column("premier_run_id", Integer, ForeignKey("import_run.id")),
    Column("dernier_run_id", Integer, ForeignKey("import_run.id")),
)

rejet = Table(
    "rejet",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("import_run_id", Integer, ForeignKey("import_run.id"), nullable=False),
    Column("source", Text, nullable=False),
    Column("source_id", Text),
    Column("code", Text, nullable=False),
    Column("motif", Text, nullable=False),
    Column("brut", JSONB),
    Column("created_at", DateTime(timezone=True)),
)

doublon = Table(
    "doublon",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("offre_a", BigInteger, ForeignKey("offre.id"), nullable=False),
    Column("offre_b", BigInteger, ForeignKey("offre.id"), nullable=False),
    Column("score", Float, nullable=False),
    Column("composantes", JSONB, nullable=False),
    Column("explication", ARRAY(Text), nullable=False),
    Column("decision", Text, nullable=False),
    Column("decide_par", Text, nullable=False),
    Column("annulee", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True)),
)

geocode_cache = Table(
    "geocode_cache",
    metadata,
    Column("cle", Text, primary_key=True),
    Column("resultat", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True)),
)
