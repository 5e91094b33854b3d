"""The directory: offers, permanences, source records (provenance), runs, rejects, dedup.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE import_run (
            id serial PRIMARY KEY,
            source text NOT NULL,
            fichier text,
            started_at timestamptz NOT NULL DEFAULT now(),
            finished_at timestamptz,
            statut text NOT NULL DEFAULT 'en_cours'
                CHECK (statut IN ('en_cours', 'ok', 'echec')),
            comptes jsonb NOT NULL DEFAULT '{}',
            message text
        );

        CREATE TABLE offre (
            id bigserial PRIMARY KEY,
            nom text NOT NULL,
            pivot text,
            typologie text[] NOT NULL DEFAULT '{}',
            adresse text,
            complement_adresse text,
            code_postal varchar(5),
            commune_nom text,
            code_insee varchar(5) REFERENCES commune (code),
            point geometry(Point, 4326),
            geo_precision text CHECK (geo_precision IN ('adresse', 'rue', 'commune', 'source')),
            geo_score real,
            telephones text[] NOT NULL DEFAULT '{}',
            courriels text[] NOT NULL DEFAULT '{}',
            sites_web text[] NOT NULL DEFAULT '{}',
            horaires text,
            horaires_texte text,
            services text[] NOT NULL DEFAULT '{}',
            services_source text[] NOT NULL DEFAULT '{}',
            publics text[] NOT NULL DEFAULT '{}',
            prise_en_charge text[] NOT NULL DEFAULT '{}',
            frais text[] NOT NULL DEFAULT '{}',
            modalites_acces text[] NOT NULL DEFAULT '{}',
            modalites_accompagnement text[] NOT NULL DEFAULT '{}',
            programmes text[] NOT NULL DEFAULT '{}',
            itinerance text[] NOT NULL DEFAULT '{}',
            acceslibre_url text,
            prise_rdv_url text,
            prise_rdv boolean,
            presentation_resume text,
            presentation_detail text,
            commentaire text,
            date_maj date,
            statut text NOT NULL DEFAULT 'active'
                CHECK (statut IN ('active', 'fermee', 'absente_source', 'fusionnee', 'projet')),
            fusionnee_dans bigint REFERENCES offre (id),
            champs_source jsonb NOT NULL DEFAULT '{}',
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            confirmed_at timestamptz
        );
        CREATE INDEX ix_offre_point ON offre USING gist (point);
        CREATE INDEX ix_offre_point_actif ON offre USING gist (point) WHERE statut = 'active';
        CREATE INDEX ix_offre_code_insee ON offre (code_insee);
        CREATE INDEX ix_offre_statut ON offre (statut);
        CREATE INDEX ix_offre_services ON offre USING gin (services);
        CREATE INDEX ix_offre_programmes ON offre USING gin (programmes);
        CREATE INDEX ix_offre_publics ON offre USING gin (publics);
        CREATE INDEX ix_offre_pivot ON offre (pivot) WHERE pivot IS NOT NULL;
        CREATE INDEX ix_offre_fusionnee_dans ON offre (fusionnee_dans)
            WHERE fusionnee_dans IS NOT NULL;

        CREATE TABLE permanence (
            id bigserial PRIMARY KEY,
            offre_id bigint NOT NULL REFERENCES offre (id),
            code_insee varchar(5) REFERENCES commune (code),
            commune_nom text,
            lieu text,
            adresse text,
            point geometry(Point, 4326),
            horaires text,
            texte_original text,
            extraite boolean NOT NULL DEFAULT false,
            origine text NOT NULL DEFAULT 'source'
                CHECK (origine IN ('source', 'extraction', 'planification', 'saisie')),
            statut text NOT NULL DEFAULT 'active'
                CHECK (statut IN ('active', 'projet', 'fermee')),
            enregistrement_id bigint,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX ix_permanence_point ON permanence USING gist (point);
        CREATE INDEX ix_permanence_offre ON permanence (offre_id);
        CREATE INDEX ix_permanence_code_insee ON permanence (code_insee);

        CREATE TABLE enregistrement_source (
            id bigserial PRIMARY KEY,
            source text NOT NULL,
            source_id text NOT NULL,
            offre_id bigint NOT NULL REFERENCES offre (id),
            brut jsonb NOT NULL,
            donnees jsonb NOT NULL,
            empreinte text NOT NULL,
            present boolean NOT NULL DEFAULT true,
            premiere_vue timestamptz NOT NULL DEFAULT now(),
            derniere_vue timestamptz NOT NULL DEFAULT now(),
            modifie_le timestamptz NOT NULL DEFAULT now(),
            premier_run_id integer REFERENCES import_run (id),
            dernier_run_id integer REFERENCES import_run (id),
            CONSTRAINT uq_enregistrement_source UNIQUE (source, source_id)
        );
        CREATE INDEX ix_enregistrement_offre ON enregistrement_source (offre_id);
        ALTER TABLE permanence ADD CONSTRAINT fk_permanence_enregistrement
            FOREIGN KEY (enregistrement_id) REFERENCES enregistrement_source (id);

        CREATE TABLE rejet (
            id bigserial PRIMARY KEY,
            import_run_id integer NOT NULL REFERENCES import_run (id),
            source text NOT NULL,
            source_id text,
            code text NOT NULL,
            motif text NOT NULL,
            brut jsonb,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX ix_rejet_run ON rejet (import_run_id);

        CREATE TABLE geocode_cache (
            cle text PRIMARY KEY,
            resultat jsonb NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        );

        CREATE TABLE doublon (
            id bigserial PRIMARY KEY,
            offre_a bigint NOT NULL REFERENCES offre (id),
            offre_b bigint NOT NULL REFERENCES offre (id),
            score real NOT NULL,
            composantes jsonb NOT NULL DEFAULT '{}',
            explication text[] NOT NULL DEFAULT '{}',
            decision text NOT NULL CHECK (decision IN ('fusion', 'distinct', 'a_verifier')),
            decide_par text NOT NULL DEFAULT 'regle',
            annulee boolean NOT NULL DEFAULT false,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT uq_doublon_paire UNIQUE (offre_a, offre_b),
            CONSTRAINT ck_doublon_ordre CHECK (offre_a < offre_b)
        );
        """
    )


def downgrade() -> None:
    op.execute(
        "DROP TABLE IF EXISTS doublon, geocode_cache, rejet, permanence, enregistrement_source,"
        " offre, import_run CASCADE"
    )
