"""The directory stays true: datasets, La Poste localities, the duplicates queue.

- ``enregistrement_source.jeux_de_donnees`` and ``import_run.jeu_de_donnees``: the datasets
  (a regional file, an API scope: the file name without its date) that list a source
  record. A run of dataset D removes D from the records it did not see, and marks absent
  only those left in no dataset, so that a second regional file of the same format no
  longer wipes the first. Existing records get the dataset of the file of their last run.
- ``localite``: La Poste's "ligne 5" names (lieux-dits, delegated and former communes:
  Chambois and Exmes in Gouffern en Auge, Salin-de-Giraud in Arles) with their current
  commune, read by the commune resolver and the permanence extractor.
- ``doublon.decide_par_utilisateur`` and ``decide_le``: who confirmed, rejected or undid a
  pair in the animators' queue (``/edition/doublons``), and when.

Revision ID: 0011
Revises: 0010 (OGC views)
Create Date: 2026-12-05
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


_DATED_NAME = re.compile(r"[-_.]?\d{4}-\d{2}(?:-\d{2})?(?=[-_.]|$)")


def _dataset(path: str | None, source: str) -> str:
    """The file name without its folder, extension and date (as etl.sources.dataset_of)."""
    name = (path or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return _DATED_NAME.sub("", stem).strip("-_. ") or source


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE enregistrement_source
            ADD COLUMN jeux_de_donnees text[] NOT NULL DEFAULT '{}';
        ALTER TABLE import_run ADD COLUMN jeu_de_donnees text;

        CREATE TABLE localite (
            code_insee varchar(5) NOT NULL REFERENCES commune (code) ON DELETE CASCADE,
            code_postal varchar(5) NOT NULL,
            nom text NOT NULL,
            CONSTRAINT pk_localite PRIMARY KEY (code_insee, code_postal, nom)
        );

        ALTER TABLE doublon ADD COLUMN decide_par_utilisateur integer
            REFERENCES utilisateur (id);
        ALTER TABLE doublon ADD COLUMN decide_le timestamptz;
        CREATE INDEX ix_doublon_a_verifier ON doublon (score DESC)
            WHERE decision = 'a_verifier' AND NOT annulee;
        """
    )
    conn = op.get_bind()
    runs = conn.execute(sa.text("SELECT id, source, fichier FROM import_run")).all()
    for run_id, source, path in runs:
        dataset = _dataset(path, source)
        conn.execute(
            sa.text("UPDATE import_run SET jeu_de_donnees = :d WHERE id = :i"),
            {"d": dataset, "i": run_id},
        )
        conn.execute(
            sa.text(
                "UPDATE enregistrement_source SET jeux_de_donnees = ARRAY[:d]"
                " WHERE dernier_run_id = :i AND present"
            ),
            {"d": dataset, "i": run_id},
        )


def downgrade() -> None:
    op.execute(
        """
        DROP INDEX IF EXISTS ix_doublon_a_verifier;
        ALTER TABLE doublon DROP COLUMN IF EXISTS decide_le;
        ALTER TABLE doublon DROP COLUMN IF EXISTS decide_par_utilisateur;
        DROP TABLE IF EXISTS localite;
        ALTER TABLE import_run DROP COLUMN IF EXISTS jeu_de_donnees;
        ALTER TABLE enregistrement_source DROP COLUMN IF EXISTS jeux_de_donnees;
        """
    )
