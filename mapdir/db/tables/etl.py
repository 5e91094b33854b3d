"""The import pipeline's own tables (migration 0002): runs, source records (provenance),
rejected records, the geocoding cache and the duplicate pairs.

Every offer is built from its source records; a record is never deleted (``present``
false when its source no longer lists it), a rejected record is kept with its reason, and
a merge of two offers is a ``doublon`` row that can be undone.
"""

from __future__ import annotations

from sqlalchemy import (
    REAL,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.sql.naming import conv

from mapdir.db.metadata import EMPTY_ARRAY, EMPTY_OBJECT, metadata, one_of, timestamp

RUN_STATUSES = ("en_cours", "ok", "echec")
DEDUP_DECISIONS = ("fusion", "distinct", "a_verifier")

#: one import of one source file: when, its outcome (``statut``), the counts of inserted,
#: updated, unchanged, vanished and rejected records (``comptes``) and an error message
import_run = Table(
    "import_run",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", Text, nullable=False),
    Column("fichier", Text),
    timestamp("started_at"),
    timestamp("finished_at", default_now=False),
    Column("statut", Text, nullable=False, server_default=text("'en_cours'")),
    Column("comptes", JSONB, nullable=False, server_default=EMPTY_OBJECT),
    Column("message", Text),
    # the dataset the file is a snapshot of (its name without date; migration 0011)
    Column("jeu_de_donnees", Text),
    CheckConstraint(one_of("statut", RUN_STATUSES), name=conv("import_run_statut_check")),
)

#: a record of a source, identified by (``source``, ``source_id``): the raw record
#: (``brut``), its mapping to the common model (``donnees``), the hash of both
#: (``empreinte``: unchanged records are not rewritten), the offer it describes, whether
#: the newest file still lists it (``present``), the datasets that list it
#: (``jeux_de_donnees``: a run marks absent only the records of the dataset it read, and a
#: record stays present while another dataset lists it), and the runs that first and last
#: saw it
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
    Column("present", Boolean, nullable=False, server_default=text("true")),
    timestamp("premiere_vue"),
    timestamp("derniere_vue"),
    timestamp("modifie_le"),
    Column("premier_run_id", Integer, ForeignKey("import_run.id")),
    Column("dernier_run_id", Integer, ForeignKey("import_run.id")),
    Column("jeux_de_donnees", ARRAY(Text), nullable=False, server_default=EMPTY_ARRAY),
    UniqueConstraint("source", "source_id", name=conv("uq_enregistrement_source")),
    Index("ix_enregistrement_offre", "offre_id"),
)

#: a record an import could not use: its code and French reason, and the raw record
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
    timestamp("created_at"),
    Index("ix_rejet_run", "import_run_id"),
)

#: the address geocoder's answers, by normalised query (``cle``), so that a re-import
#: asks the BAN only for new addresses
geocode_cache = Table(
    "geocode_cache",
    metadata,
    Column("cle", Text, primary_key=True),
    Column("resultat", JSONB, nullable=False),
    timestamp("created_at"),
)

#: a pair of offers (``offre_a`` < ``offre_b``) scored as possible duplicates: the score,
#: its components and their French explanation, the decision (merge, distinct, to check)
#: and who took it (``regle``: the automatic rule, or a person: ``decide_par_utilisateur``,
#: ``decide_le``, from the animators' queue); ``annulee``: undone
doublon = Table(
    "doublon",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("offre_a", BigInteger, ForeignKey("offre.id"), nullable=False),
    Column("offre_b", BigInteger, ForeignKey("offre.id"), nullable=False),
    Column("score", REAL, nullable=False),
    Column("composantes", JSONB, nullable=False, server_default=EMPTY_OBJECT),
    Column("explication", ARRAY(Text), nullable=False, server_default=EMPTY_ARRAY),
    Column("decision", Text, nullable=False),
    Column("decide_par", Text, nullable=False, server_default=text("'regle'")),
    Column("annulee", Boolean, nullable=False, server_default=text("false")),
    timestamp("created_at"),
    timestamp("updated_at"),
    Column("decide_par_utilisateur", Integer, ForeignKey("utilisateur.id")),
    timestamp("decide_le", default_now=False),
    UniqueConstraint("offre_a", "offre_b", name=conv("uq_doublon_paire")),
    CheckConstraint("offre_a < offre_b", name=conv("ck_doublon_ordre")),
    CheckConstraint(one_of("decision", DEDUP_DECISIONS), name=conv("doublon_decision_check")),
    Index(
        "ix_doublon_a_verifier",
        text("score DESC"),
        postgresql_where=text("decision = 'a_verifier' AND NOT annulee"),
    ),
)
