"""Search: GIN index on the accompaniment modes (remote offers), prise en charge and fees.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE INDEX ix_offre_modalites_accompagnement ON offre
            USING gin (modalites_accompagnement);
        CREATE INDEX ix_offre_prise_en_charge ON offre USING gin (prise_en_charge);
        CREATE INDEX ix_offre_frais ON offre USING gin (frais);
        """
    )


def downgrade() -> None:
    op.execute(
        "DROP INDEX IF EXISTS ix_offre_modalites_accompagnement, ix_offre_prise_en_charge,"
        " ix_offre_frais"
    )
