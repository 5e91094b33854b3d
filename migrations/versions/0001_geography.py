"""Reference geography: départements, EPCI, cantons, communes, postcodes, old codes.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(
        """
        CREATE TABLE departement (
            code varchar(3) PRIMARY KEY,
            nom text NOT NULL,
            region varchar(3),
            geom geometry(MultiPolygon, 4326)
        );
        CREATE INDEX ix_departement_geom ON departement USING gist (geom);

        CREATE TABLE epci (
            siren varchar(9) PRIMARY KEY,
            nom text NOT NULL,
            type text,
            population integer,
            nb_communes integer,
            membres varchar(5)[] NOT NULL DEFAULT '{}',
            geom geometry(MultiPolygon, 4326)
        );
        CREATE INDEX ix_epci_geom ON epci USING gist (geom);
        CREATE INDEX ix_epci_membres ON epci USING gin (membres);

        CREATE TABLE canton (
            code varchar(6) PRIMARY KEY,
            nom text NOT NULL,
            departement varchar(3) NOT NULL,
            geom geometry(MultiPolygon, 4326)
        );
        CREATE INDEX ix_canton_geom ON canton USING gist (geom);

        CREATE TABLE commune (
            code varchar(5) PRIMARY KEY,
            nom text NOT NULL,
            nom_recherche text NOT NULL,
            type text NOT NULL,
            departement varchar(3) NOT NULL,
            region varchar(3),
            arrondissement varchar(4),
            epci varchar(9),
            ept varchar(9),
            canton varchar(6),
            population integer,
            commune_parente varchar(5),
            codes_postaux varchar(5)[] NOT NULL DEFAULT '{}',
            point geometry(Point, 4326),
            point_source text,
            geom geometry(MultiPolygon, 4326),
            updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX ix_commune_point ON commune USING gist (point);
        CREATE INDEX ix_commune_geom ON commune USING gist (geom);
        CREATE INDEX ix_commune_departement ON commune (departement);
        CREATE INDEX ix_commune_epci ON commune (epci);
        CREATE INDEX ix_commune_nom_recherche ON commune USING gin (nom_recherche gin_trgm_ops);
        CREATE INDEX ix_commune_nom_prefix ON commune (nom_recherche text_pattern_ops);

        CREATE TABLE code_postal (
            code_postal varchar(5) NOT NULL,
            code_insee varchar(5) NOT NULL REFERENCES commune (code) ON DELETE CASCADE,
            libelle_acheminement text,
            source text NOT NULL,
            CONSTRAINT pk_code_postal PRIMARY KEY (code_postal, code_insee)
        );
        CREATE INDEX ix_code_postal_insee ON code_postal (code_insee);

        CREATE TABLE commune_code_ancien (
            code_ancien varchar(5) PRIMARY KEY,
            code_actuel varchar(5) NOT NULL REFERENCES commune (code) ON DELETE CASCADE,
            nom_ancien text,
            methode text NOT NULL
        );

        CREATE TABLE geo_import_anomalie (
            id serial PRIMARY KEY,
            fichier text NOT NULL,
            code text,
            motif text NOT NULL,
            ligne text,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        """
    )


def downgrade() -> None:
    op.execute(
        "DROP TABLE IF EXISTS geo_import_anomalie, commune_code_ancien, code_postal, commune, "
        "canton, epci, departement CASCADE"
    )
