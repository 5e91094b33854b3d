"""OGC API Features: read-only views in their own schema ``ogc`` (pygeoapi's PostgreSQL
provider publishes each view as a collection): active offers, communes with their coverage
figures, EPCI, and the stops of published itinerant plans.

The communes' access time and class depend on the site's settings (detour factor, speed,
thresholds): the views read them from the connection's settings ``mapdir.detour_factor``,
``mapdir.speed_kmh``, ``mapdir.covered_min`` and ``mapdir.white_zone_min``, which the OGC
provider sets from the app's settings (mapdir/ogc/config.py); elsewhere (psql) they are
NULL. To add columns (the planner's accessibility figures, for instance): a later migration
``CREATE OR REPLACE VIEW`` with the new columns appended; pygeoapi reflects the columns
when the app starts, no configuration to change (docs/ogc.md).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SETTING = "NULLIF(current_setting('mapdir.{name}', true), '')::float8"

VIEWS = f"""
CREATE SCHEMA IF NOT EXISTS ogc;

-- Active offers, one feature each (merged offers are their survivor)
CREATE VIEW ogc.offres AS
SELECT o.id, o.nom, NULLIF(array_to_string(o.typologie, '|'), '') AS typologie,
       o.adresse, o.complement_adresse, o.code_postal,
       coalesce(o.commune_nom, c.nom) AS commune, o.code_insee, c.departement,
       c.epci, o.geo_precision AS precision_position,
       NULLIF(array_to_string(o.services, '|'), '') AS services,
       NULLIF(array_to_string(o.publics, '|'), '') AS publics,
       NULLIF(array_to_string(o.prise_en_charge, '|'), '') AS prise_en_charge,
       NULLIF(array_to_string(o.frais, '|'), '') AS frais,
       NULLIF(array_to_string(o.modalites_acces, '|'), '') AS modalites_acces,
       NULLIF(array_to_string(o.modalites_accompagnement, '|'), '') AS modalites_accompagnement,
       NULLIF(array_to_string(o.programmes, '|'), '') AS programmes,
       NULLIF(array_to_string(o.itinerance, '|'), '') AS itinerance,
       o.horaires, o.horaires_texte,
       o.telephones[1] AS telephone, o.courriels[1] AS courriel, o.sites_web[1] AS site_web,
       o.prise_rdv_url, o.acceslibre_url, o.date_maj,
       (SELECT count(*) FROM permanence p JOIN offre o0 ON o0.id = p.offre_id
        WHERE p.statut = 'active' AND coalesce(o0.fusionnee_dans, o0.id) = o.id
       )::integer AS permanences_actives,
       o.point AS geom
FROM offre o LEFT JOIN commune c ON c.code = o.code_insee
WHERE o.statut = 'active' AND o.point IS NOT NULL;

-- The nearest active offer of a commune's point on the sphere (the n-D index of
-- offre.point_3d, migration 0008), its distance on the WGS84 ellipsoid; an active
-- permanence of an active offer stopping in the commune counts as distance 0, as in the
-- planner (mapdir/planner/access.py)
CREATE FUNCTION ogc.acces_commune(code varchar, pt geometry)
RETURNS TABLE (offre_id bigint, distance_m float8, par_permanence boolean)
LANGUAGE sql STABLE AS $$
    SELECT s.id, 0::float8, true
    FROM permanence p JOIN offre o0 ON o0.id = p.offre_id
    JOIN offre s ON s.id = coalesce(o0.fusionnee_dans, o0.id)
    WHERE p.code_insee = code AND p.statut = 'active' AND s.statut = 'active'
    UNION ALL
    (SELECT o.id, ST_Distance(o.point::geography, pt::geography), false
     FROM offre o
     WHERE o.statut = 'active' AND o.point_3d IS NOT NULL
     ORDER BY o.point_3d <<->> ST_MakePoint(
         cos(radians(ST_Y(pt))) * cos(radians(ST_X(pt))),
         cos(radians(ST_Y(pt))) * sin(radians(ST_X(pt))),
         sin(radians(ST_Y(pt))))
     LIMIT 1)
    ORDER BY 2, 1 LIMIT 1
$$;

-- Communes with an outline, their offers and their coverage (planner's model: straight
-- line × detour at a speed; classes couverte / peu_couverte / zone_blanche)
CREATE VIEW ogc.communes AS
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
       round((a.distance_m / 1000 * {SETTING.format(name="detour_factor")}
              / {SETTING.format(name="speed_kmh")} * 60)::numeric, 1)::float8
           AS temps_acces_min,
       CASE
           WHEN {SETTING.format(name="covered_min")} IS NULL
                OR {SETTING.format(name="speed_kmh")} IS NULL THEN NULL
           WHEN a.offre_id IS NULL
                OR a.distance_m / 1000 * {SETTING.format(name="detour_factor")}
                   / {SETTING.format(name="speed_kmh")} * 60
                   > {SETTING.format(name="white_zone_min")} THEN 'zone_blanche'
           WHEN a.distance_m / 1000 * {SETTING.format(name="detour_factor")}
                / {SETTING.format(name="speed_kmh")} * 60
                <= {SETTING.format(name="covered_min")} THEN 'couverte'
           ELSE 'peu_couverte'
       END AS couverture,
       c.geom
FROM commune c
LEFT JOIN epci e ON e.siren = c.epci
LEFT JOIN LATERAL ogc.acces_commune(c.code, c.point) a ON c.point IS NOT NULL
LEFT JOIN offre op ON op.id = a.offre_id
WHERE c.geom IS NOT NULL;

-- EPCI with an outline, their communes and offers
CREATE VIEW ogc.epci AS
SELECT e.siren, e.nom, e.type, e.population, e.nb_communes,
       (SELECT count(*) FROM offre o JOIN commune c ON c.code = o.code_insee
        WHERE c.epci = e.siren AND o.statut = 'active')::integer AS offres_actives,
       (SELECT count(*) FROM permanence p JOIN offre o0 ON o0.id = p.offre_id
        JOIN offre s ON s.id = coalesce(o0.fusionnee_dans, o0.id)
        JOIN commune c ON c.code = p.code_insee
        WHERE c.epci = e.siren AND p.statut = 'active' AND s.statut = 'active'
       )::integer AS permanences_actives,
       e.geom
FROM epci e WHERE e.geom IS NOT NULL;

-- Stops of published or confirmed itinerant plans (not withdrawn ones), at the commune's
-- point (a plan chooses communes, not addresses)
CREATE VIEW ogc.arrets_plans AS
SELECT a.id, a.plan_id, pl.nom AS plan_nom, pl.statut AS plan_statut, pl.departement,
       pl.offre_id, a.rang, a.code_insee, c.nom AS commune, a.gain_marginal,
       NULLIF(array_to_string(a.communes_couvertes, '|'), '') AS communes_couvertes, a.bus,
       a.semaine_cycle, a.jour, a.demi_journee, a.horaires, a.motif_non_planifie,
       a.permanence_id, c.point AS geom
FROM plan_arret a
JOIN plan_itinerance pl ON pl.id = a.plan_id
JOIN commune c ON c.code = a.code_insee
WHERE pl.statut IN ('publie', 'confirme');
"""


def upgrade() -> None:
    op.execute(VIEWS)


def downgrade() -> None:
    op.execute("DROP SCHEMA IF EXISTS ogc CASCADE")
