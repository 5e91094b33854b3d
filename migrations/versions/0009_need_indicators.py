"""Need indicators per commune (census shares) for the planner's accessibility measure.

``indicateur_import`` records each load of a file (its vintage, origin, counts and what was
set aside); ``indicateur_commune`` holds one row per current commune code with the shares
the planner uses (percentages 0-100, checked on import; NULL when the file has no value)
and where the row came from (the file's own code, or the mean of the old codes merged into
the commune).
A new import replaces the rows: one set of indicators is in force at a time.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE indicateur_import (
            id serial PRIMARY KEY,
            fichier text NOT NULL,
            millesime text NOT NULL,
            origine text NOT NULL,
            comptes jsonb NOT NULL DEFAULT '{}',
            ecarts jsonb NOT NULL,
            imported_at timestamptz NOT NULL DEFAULT now()
        );

        CREATE TABLE indicateur_commune (
            code_insee varchar(5) PRIMARY KEY REFERENCES commune (code) ON DELETE CASCADE,
            part_65_plus real,
            part_peu_diplomes real,
            part_menages_seuls real,
            part_familles_mono real,
            part_25_moins real,
            codes_source varchar(5)[] NOT NULL,
            import_id integer NOT NULL REFERENCES indicateur_import (id)
        );
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS indicateur_commune, indicateur_import CASCADE")
