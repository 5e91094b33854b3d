"""Speed of the nearest-offer queries (measured by benchmarks/bench_search*.py and
bench_planner_access.py).

- ``offre.point_xy``: the offer's lon/lat as a native PostgreSQL ``point`` (generated from
  ``point``), indexed with GiST INCLUDE (id, services, programmes) on active offers. The
  native point opclass can return its key, so the national access query (one KNN probe per
  commune, 35,000 of them) runs as an index-only scan without visiting the table: about
  1.8× faster than the PostGIS index on 100,000 offers. Distances are the same planar
  degrees as ``geometry <->``.
- GiST indexes on points are built with ``buffering = on``: PostgreSQL 15 otherwise builds
  an index over existing rows by sorting them, which gives a GiST about twice as slow for
  KNN (measured: 0.14 ms vs 0.06 ms per probe); the option also applies to rebuilds
  (REINDEX, VACUUM FULL, table rewrites such as the column added here).
- A GiST index on active offers' points as geography: the search's fallback KNN for origins
  whose planar window cannot prove its answer (overseas, far from everything), whose
  spherical distances bound the ellipsoidal ones within 0.6 %.
- ``offre_horaires``: every distinct opening-hours expression (a trigger adds new ones), so
  that a search filtered on an opening time can restrict its KNN scan to the offers whose
  expression is open then, and answer "nothing is open" without scanning.
- A partial index on active remote offers ("À distance"), listed apart by every search: its
  predicate is the search's condition word for word, so that the planner reads this tiny
  index instead of OR-ing a scan of the whole GiST index for ``point IS NULL``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

POINT_INDEXES = (
    "ix_commune_point",
    "ix_offre_point",
    "ix_offre_point_actif",
    "ix_permanence_point",
)


def upgrade() -> None:
    for name in POINT_INDEXES:
        op.execute(f"ALTER INDEX {name} SET (buffering = on)")
    op.execute(
        """
        ALTER TABLE offre ADD COLUMN point_xy point
            GENERATED ALWAYS AS (point(ST_X(point), ST_Y(point))) STORED;
        CREATE INDEX ix_offre_point_xy_actif ON offre USING gist (point_xy)
            INCLUDE (id, services, programmes) WITH (buffering = on)
            WHERE statut = 'active' AND point_xy IS NOT NULL;
        CREATE INDEX ix_offre_geographie_actif ON offre USING gist ((point::geography))
            WITH (buffering = on) WHERE statut = 'active';
        CREATE INDEX ix_offre_a_distance ON offre (id)
            WHERE statut = 'active'
              AND modalites_accompagnement @> ARRAY['À distance']::text[]
              AND (point IS NULL OR modalites_accompagnement = ARRAY['À distance']::text[]);
        """
    )

    # every hours expression ever given to an offer, kept in step by a trigger (same
    # transaction, so a search's snapshot sees exactly the expressions it may meet)
    op.execute(
        """
        CREATE TABLE offre_horaires (
            empreinte uuid PRIMARY KEY,
            horaires text NOT NULL
        );
        CREATE FUNCTION offre_horaires_connues() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO offre_horaires VALUES (md5(NEW.horaires)::uuid, NEW.horaires)
            ON CONFLICT DO NOTHING;
            RETURN NULL;
        END $$;
        CREATE TRIGGER tr_offre_horaires AFTER INSERT OR UPDATE OF horaires ON offre
            FOR EACH ROW WHEN (NEW.horaires IS NOT NULL)
            EXECUTE FUNCTION offre_horaires_connues();
        INSERT INTO offre_horaires
            SELECT DISTINCT md5(horaires)::uuid, horaires FROM offre WHERE horaires IS NOT NULL
            ON CONFLICT DO NOTHING;
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS tr_offre_horaires ON offre")
    op.execute("DROP FUNCTION IF EXISTS offre_horaires_connues()")
    op.execute("DROP TABLE IF EXISTS offre_horaires")
    op.execute("DROP INDEX IF EXISTS ix_offre_a_distance, ix_offre_geographie_actif")
    op.execute("ALTER TABLE offre DROP COLUMN IF EXISTS point_xy")
    for name in POINT_INDEXES:
        op.execute(f"ALTER INDEX {name} RESET (buffering)")
