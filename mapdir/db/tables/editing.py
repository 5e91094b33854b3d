"""People and their changes (migration 0005): accounts, login attempts, the history of
changes, the overrides that keep people's values against re-imports, and public reports.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.naming import conv

from mapdir.db.metadata import EMPTY_OBJECT, metadata, one_of, timestamp

ROLES = ("admin", "animateur", "structure")
CHANGE_ACTIONS = (
    "creation",
    "edition",
    "fermeture",
    "reouverture",
    "permanence",
    "annulation",
    "conflit",
    "confirmation",
)
REPORT_CATEGORIES = ("horaires", "adresse", "contact", "fermee", "services", "autre")
REPORT_STATUSES = ("nouveau", "traite", "rejete")

#: an account: email (unique whatever its case), Argon2id password hash, ``role`` and its
#: scope (an animator's département or EPCI, a structure's offer), ``actif``, and
#: ``version_session`` (raised to end every session of the account at once)
utilisateur = Table(
    "utilisateur",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", Text, nullable=False),
    Column("hash_mot_de_passe", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("departement", String(3)),
    Column("epci", String(9)),
    Column("offre_id", BigInteger, ForeignKey("offre.id")),
    Column("actif", Boolean, nullable=False, server_default=text("true")),
    Column("version_session", Integer, nullable=False, server_default=text("1")),
    timestamp("created_at"),
    timestamp("updated_at"),
    timestamp("derniere_connexion", default_now=False),
    CheckConstraint(one_of("role", ROLES), name=conv("utilisateur_role_check")),
    CheckConstraint("hash_mot_de_passe LIKE '$argon2id$%'", name=conv("ck_utilisateur_hash")),
    CheckConstraint(
        "(role = 'admin')"
        " OR (role = 'animateur' AND (departement IS NOT NULL OR epci IS NOT NULL))"
        " OR (role = 'structure' AND offre_id IS NOT NULL)",
        name=conv("ck_utilisateur_perimetre"),
    ),
    Index("uq_utilisateur_email", func.lower(text("email")), unique=True),
)

#: a login attempt (email as typed, client IP, success): the throttle counts the recent
#: failures per email and IP
tentative_connexion = Table(
    "tentative_connexion",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("email", Text, nullable=False),
    Column("ip", Text, nullable=False),
    Column("reussie", Boolean, nullable=False),
    timestamp("created_at"),
    Index("ix_tentative_connexion_cle", "email", "ip", "created_at"),
    Index("ix_tentative_connexion_ip", "ip", "created_at"),
)

#: one change of an offer made by a person (or the system): who (``auteur`` kept even if
#: the account goes), what (``action``; ``champs``: each field's ``avant``/``apres``),
#: why (``motif``); a revert is a new change (``annule_id``) and the reverted one points to
#: it (``annulee_par``). Nothing is deleted.
modification = Table(
    "modification",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("offre_id", BigInteger, ForeignKey("offre.id"), nullable=False),
    Column("utilisateur_id", Integer, ForeignKey("utilisateur.id")),
    Column("auteur", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("champs", JSONB, nullable=False, server_default=EMPTY_OBJECT),
    Column("motif", Text),
    Column("annule_id", BigInteger, ForeignKey("modification.id")),
    Column("annulee_par", BigInteger, ForeignKey("modification.id")),
    timestamp("created_at"),
    CheckConstraint(one_of("action", CHANGE_ACTIONS), name=conv("modification_action_check")),
    Index("ix_modification_offre", "offre_id", text("created_at DESC")),
)

#: a person's value of one field of an offer (``valeur``), re-applied after every import,
#: with the source's value when it was set (``valeur_source``) and the source's current one
#: (``source_actuelle``): when the source changes the field afterwards, ``en_conflit`` asks
#: a person to choose; ``actif`` false once given back to the source
surcharge = Table(
    "surcharge",
    metadata,
    Column("offre_id", BigInteger, ForeignKey("offre.id"), nullable=False),
    Column("champ", Text, nullable=False),
    Column("valeur", JSONB),
    Column("valeur_source", JSONB),
    Column("source_actuelle", JSONB),
    Column("en_conflit", Boolean, nullable=False, server_default=text("false")),
    Column("actif", Boolean, nullable=False, server_default=text("true")),
    Column("modification_id", BigInteger, ForeignKey("modification.id")),
    timestamp("updated_at"),
    PrimaryKeyConstraint("offre_id", "champ"),
    Index("ix_surcharge_conflit", "offre_id", postgresql_where=text("en_conflit AND actif")),
)

#: a report sent by the public about an offer (category, message, optional email to answer
#: to, a hash of the sender's IP for the throttle), and its handling by a person
signalement = Table(
    "signalement",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("offre_id", BigInteger, ForeignKey("offre.id"), nullable=False),
    Column("categorie", Text, nullable=False),
    Column("message", Text, nullable=False),
    Column("courriel", Text),
    Column("empreinte_ip", Text, nullable=False),
    Column("statut", Text, nullable=False, server_default=text("'nouveau'")),
    Column("traite_par", Integer, ForeignKey("utilisateur.id")),
    timestamp("traite_le", default_now=False),
    timestamp("created_at"),
    CheckConstraint(
        one_of("categorie", REPORT_CATEGORIES), name=conv("signalement_categorie_check")
    ),
    CheckConstraint(one_of("statut", REPORT_STATUSES), name=conv("signalement_statut_check")),
    Index("ix_signalement_offre", "offre_id", "statut"),
    Index("ix_signalement_ip", "empreinte_ip", "created_at"),
)
