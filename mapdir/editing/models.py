"""Tables of the editing back-office (created by migration 0005), as SQLAlchemy Core tables."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB

from mapdir.db import metadata

ROLES = ("admin", "animateur", "structure")

utilisateur = Table(
    "utilisateur",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", Text, nullable=False),
    Column("hash_mot_de_passe", Text, nullable=False),  # Argon2id, never the password
    Column("role", Text, nullable=False),
    Column("departement", String(3)),
    Column("epci", String(9)),
    Column("offre_id", BigInteger, ForeignKey("offre.id")),
    Column("actif", Boolean, nullable=False),
    Column("version_session", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True)),
    Column("derniere_connexion", DateTime(timezone=True)),
)

tentative_connexion = Table(
    "tentative_connexion",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("email", Text, nullable=False),
    Column("ip", Text, nullable=False),
    Column("reussie", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True)),
)

modification = Table(
    "modification",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("offre_id", BigInteger, ForeignKey("offre.id"), nullable=False),
    Column("utilisateur_id", Integer, ForeignKey("utilisateur.id")),
    Column("auteur", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("champs", JSONB, nullable=False),  # {field: {"avant": old, "apres": new}}
    Column("motif", Text),
    Column("annule_id", BigInteger, ForeignKey("modification.id")),
    Column("annulee_par", BigInteger, ForeignKey("modification.id")),
    Column("created_at", DateTime(timezone=True)),
)

surcharge = Table(
    "surcharge",
    metadata,
    Column("offre_id", BigInteger, ForeignKey("offre.id"), primary_key=True),
    Column("champ", Text, primary_key=True),
    Column("valeur", JSONB),  # the person's value
    Column("valeur_source", JSONB),  # what the sources said when the person edited
    Column("source_actuelle", JSONB),  # what the sources say now (set on conflict)
    Column("en_conflit", Boolean, nullable=False),
    Column("actif", Boolean, nullable=False),
    Column("modification_id", BigInteger, ForeignKey("modification.id")),
    Column("updated_at", DateTime(timezone=True)),
)
