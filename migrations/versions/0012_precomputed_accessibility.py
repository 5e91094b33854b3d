"""The communes' accessibility precomputed for the OGC API (issue 20, item 2).

``accessibilite_commune``: one row per (commune, travel mode) with the figures of
``/api/v1/accessibilite`` for the site's default planner parameters (mode voiture and
sans_voiture, need weighting « population », no filter on offers), the parameters used and
``calcule_le``; written by ``mapdir planner rafraichir`` and after the imports
(mapdir/planner/precomputed.py, docs/decisions/0024-precomputed-accessibility-for-ogc.md).

``ogc.communes`` is replaced with the same columns in the same order and the accessibility
columns appended, LEFT JOINed: a commune with nothing computed shows NULL (unknown), never 0.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

SETTING = "NULLIF(current_setting('mapdir.{name}', true), '')::float8"
MINUTES = (
    f"a.distance_m / 1000 * {SETTING.format(name='detour_factor')}"
    f" / {SETTING.format(name='speed_kmh')} * 60"
)

#: migration 0010's columns, unchanged and in the same order (CREATE OR REPLACE VIEW keeps
#: them); the accessibility per mode is appended after ``geom``
COLUMNS_0010 = f"""
SELECT c.code, c.nom, c.departement, c.epci, e.nom AS epci_nom, c.population,
       (SELECT count(*) FROM offre o WHERE o.code_insee = c.code AND o.statut = 'active'
       )::integer AS offres_actives,
       (SELECT count(*) FROM permanence p JOIN offre o0 ON o0.id = p.offre_id
        JOIN offre s ON s.id = coalesce(o0.fusionnee_dans, o0.id)
        WHERE p.code_insee = c.code AND p.statut = 'active' AND s.statut = 'active'
       )::integer AS permanences_actives,
       a.offre_id AS offre_proche_id, op.nom AS offre_proche_nom,
       a.par_permanence AS offre_proche_par_permanence,
       round((a.distance_m / 1000)::numeric, 2)::float8 AS distance_offre_km,
       round(({MINUTES})::numeric, 1)::float8 AS temps_acces_min,
       CASE
           WHEN {SETTING.format(name="covered_min")} IS NULL
                OR {SETTING.format(name="speed_kmh")} IS NULL THEN NULL
           WHEN a.offre_id IS NULL
                OR {MINUTES} > {SETTING.format(name="white_zone_min")} THEN 'zone_blanche'
           WHEN {MINUTES} <= {SETTING.format(name="covered_min")} THEN 'couverte'
           ELSE 'peu_couverte'
       END AS couverture,
       c.geom"""
ACCESS_COLUMNS = """,
       coalesce(av.besoin_ponderation, aw.besoin_ponderation) AS besoin_ponderation,
       coalesce(av.besoin, aw.besoin) AS besoin,
       av.accessibilite AS accessibilite_voiture,
       av.classe AS classe_voiture,
       av.offres_a_portee AS offres_a_portee_voiture,
       av.duree_min_plus_proche AS duree_aide_voiture_min,
       av.seuil_min AS seuil_voiture_min,
       aw.accessibilite AS accessibilite_sans_voiture,
       aw.classe AS classe_sans_voiture,
       aw.offres_a_portee AS offres_a_portee_sans_voiture,
       aw.duree_min_plus_proche AS duree_aide_sans_voiture_min,
       aw.seuil_min AS seuil_sans_voiture_min,
       coalesce(av.calcule_le, aw.calcule_le) AS accessibilite_calcule_le"""
FROM_0010 = """
FROM commune c
LEFT JOIN epci e ON e.siren = c.epci
LEFT JOIN LATERAL ogc.acces_commune(c.code, c.point) a ON c.point IS NOT NULL
LEFT JOIN offre op ON op.id = a.offre_id"""
ACCESS_JOINS = """
LEFT JOIN accessibilite_commune av ON av.code_insee = c.code AND av.mode = 'voiture'
LEFT JOIN accessibilite_commune aw ON aw.code_insee = c.code AND aw.mode = 'sans_voiture'"""
WHERE = "\nWHERE c.geom IS NOT NULL;\n"


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE accessibilite_commune (
            code_insee varchar(5) NOT NULL REFERENCES commune (code) ON DELETE CASCADE,
            mode text NOT NULL,
            departement varchar(3) NOT NULL,
            besoin_ponderation text NOT NULL,
            besoin double precision NOT NULL,
            besoin_estime boolean NOT NULL,
            accessibilite double precision NOT NULL,
            classe text NOT NULL,
            offres_a_portee integer NOT NULL,
            duree_min_plus_proche double precision,
            offre_plus_proche text,
            seuil_min double precision NOT NULL,
            parametres jsonb NOT NULL,
            calcule_le timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT accessibilite_commune_pkey PRIMARY KEY (code_insee, mode),
            CONSTRAINT ck_accessibilite_commune_mode CHECK (mode IN ('voiture', 'sans_voiture')),
            CONSTRAINT ck_accessibilite_commune_classe
                CHECK (classe IN ('zone_blanche', 'sous_dotee', 'dotee'))
        );
        CREATE INDEX ix_accessibilite_commune_departement
            ON accessibilite_commune (departement, mode);
        """
    )
    op.execute(
        "CREATE OR REPLACE VIEW ogc.communes AS"
        + COLUMNS_0010 + ACCESS_COLUMNS + FROM_0010 + ACCESS_JOINS + WHERE
    )  # fmt: skip


def downgrade() -> None:
    # CREATE OR REPLACE cannot remove columns: migration 0010's view is built again
    op.execute("DROP VIEW IF EXISTS ogc.communes")
    op.execute("CREATE VIEW ogc.communes AS" + COLUMNS_0010 + FROM_0010 + WHERE)
    op.execute("DROP TABLE IF EXISTS accessibilite_commune")
