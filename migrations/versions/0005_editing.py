"""Editing: accounts, login attempts, change history, overrides of source fields, reports.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE utilisateur (
            id serial PRIMARY KEY,
            email text NOT NULL,
            hash_mot_de_passe text NOT NULL,
            role text NOT NULL CHECK (role IN ('admin', 'animateur', 'structure')),
            departement varchar(3),
            epci varchar(9),
            offre_id bigint REFERENCES offre (id),
            actif boolean NOT NULL DEFAULT true,
            version_session integer NOT NULL DEFAULT 1,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            derniere_connexion timestamptz,
            CONSTRAINT ck_utilisateur_hash CHECK (hash_mot_de_passe LIKE '$argon2id$%'),
            CONSTRAINT ck_utilisateur_perimetre CHECK (
                (role = 'admin')
                OR (role = 'animateur' AND (departement IS NOT NULL OR epci IS NOT NULL))
                OR (role = 'structure' AND offre_id IS NOT NULL)
            )
        );
        CREATE UNIQUE INDEX uq_utilisateur_email ON utilisateur (lower(email));

        CREATE TABLE tentative_connexion (
            id bigserial PRIMARY KEY,
            email text NOT NULL,
            ip text NOT NULL,
            reussie boolean NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX ix_tentative_connexion_cle ON tentative_connexion (email, ip, created_at);
        CREATE INDEX ix_tentative_connexion_ip ON tentative_connexion (ip, created_at);

        CREATE TABLE modification (
            id bigserial PRIMARY KEY,
            offre_id bigint NOT NULL REFERENCES offre (id),
            utilisateur_id integer REFERENCES utilisateur (id),
            auteur text NOT NULL,
            action text NOT NULL CHECK (action IN ('creation', 'edition', 'fermeture',
                'reouverture', 'permanence', 'annulation', 'conflit', 'confirmation')),
            champs jsonb NOT NULL DEFAULT '{}',
            motif text,
            annule_id bigint REFERENCES modification (id),
            annulee_par bigint REFERENCES modification (id),
            created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX ix_modification_offre ON modification (offre_id, created_at DESC);

        CREATE TABLE surcharge (
            offre_id bigint NOT NULL REFERENCES offre (id),
            champ text NOT NULL,
            valeur jsonb,
            valeur_source jsonb,
            source_actuelle jsonb,
            en_conflit boolean NOT NULL DEFAULT false,
            actif boolean NOT NULL DEFAULT true,
            modification_id bigint REFERENCES modification (id),
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (offre_id, champ)
        );
        CREATE INDEX ix_surcharge_conflit ON surcharge (offre_id) WHERE en_conflit AND actif;

        CREATE TABLE signalement (
            id bigserial PRIMARY KEY,
            offre_id bigint NOT NULL REFERENCES offre (id),
            categorie text NOT NULL CHECK (categorie IN ('horaires', 'adresse', 'contact',
                'fermee', 'services', 'autre')),
            message text NOT NULL,
            courriel text,
            empreinte_ip text NOT NULL,
            statut text NOT NULL DEFAULT 'nouveau'
                CHECK (statut IN ('nouveau', 'traite', 'rejete')),
            traite_par integer REFERENCES utilisateur (id),
            traite_le timestamptz,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX ix_signalement_offre ON signalement (offre_id, statut);
        CREATE INDEX ix_signalement_ip ON signalement (empreinte_ip, created_at);
        """
    )


def downgrade() -> None:
    op.execute(
        "DROP TABLE IF EXISTS signalement, surcharge, modification, tentative_connexion,"
        " utilisateur"
    )
