"""Planning: saved itinerant plans, their stops and rota, so that a published plan can be
confirmed or withdrawn.

A plan is published as a NEW itinerant offer (statut 'projet') whose permanences (origine
'planification', statut 'projet') are the scheduled stops; confirming makes the offer and its
permanences active, withdrawing closes them ('fermee').

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE plan_itinerance (
            id bigserial PRIMARY KEY,
            departement varchar(3) NOT NULL,
            nom text NOT NULL,
            territoire varchar(9),
            depot varchar(5) REFERENCES commune (code),
            parametres jsonb NOT NULL DEFAULT '{}',
            resultat jsonb NOT NULL DEFAULT '{}',
            statut text NOT NULL DEFAULT 'publie'
                CHECK (statut IN ('publie', 'confirme', 'retire')),
            offre_id bigint REFERENCES offre (id),
            cree_par text,
            created_at timestamptz NOT NULL DEFAULT now(),
            confirmed_at timestamptz,
            withdrawn_at timestamptz
        );
        CREATE INDEX ix_plan_itinerance_departement ON plan_itinerance (departement);

        CREATE TABLE plan_arret (
            id bigserial PRIMARY KEY,
            plan_id bigint NOT NULL REFERENCES plan_itinerance (id) ON DELETE CASCADE,
            rang integer NOT NULL,
            code_insee varchar(5) NOT NULL REFERENCES commune (code),
            gain_marginal integer NOT NULL DEFAULT 0,
            communes_couvertes varchar(5)[] NOT NULL DEFAULT '{}',
            bus integer,
            semaine_cycle integer,
            jour text,
            demi_journee text,
            horaires text,
            motif_non_planifie text,
            permanence_id bigint REFERENCES permanence (id),
            CONSTRAINT uq_plan_arret UNIQUE (plan_id, code_insee)
        );
        CREATE INDEX ix_plan_arret_plan ON plan_arret (plan_id);
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS plan_arret, plan_itinerance CASCADE")
