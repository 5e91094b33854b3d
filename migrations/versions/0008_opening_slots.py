"""Searches filtered on an opening time read the opening hours in the spatial index.

Before this revision, a search "open on Wednesday at 10:00" took the nearest offers whatever
their hours and dropped the closed ones in Python; when too few were open, it scanned again,
restricted to the offers whose expression was open then (a list of hundreds of expressions
written into the statement, 7-10 ms; from overseas origins up to 1.4 s). Now:

- ``offre_creneaux(horaires)``: the half-hour slots of the week in which the expression
  may be open, as tags ``-(1 + 48 × weekday + half-hour)`` (Monday 0, half-hours 0-47:
  Wednesday 10:00-10:29 is -117). Half-hours, because the sources open and close on the
  hour or the half-hour: with hour slots, a search at 13:00 met every offer reopening at
  13:30 and, nothing being open then, widened its window six times in vain. It reads the
  weekly part of the OSM syntax that the sources use (days, ranges and lists of days,
  ``[n]`` selectors, time spans, ``off``/``closed``, ``PH off``) with OSM's rule that a
  later rule replaces earlier ones for the days it names; a ``[n]`` rule or ``PH off`` may
  only add slots. Anything else (months, dates, weeks, school holidays, spans past
  midnight, comments, ``24/7``…) gets ``-1000``, "may be open at any time"; an offer
  without hours gets ``-1001``, "unknown" (never open). A superset: the exact evaluation
  (mapdir.offers.hours_eval) still decides each candidate; a test compares the two on
  every expression of the real sources and on edge cases.
- ``offre.etiquettes`` now holds those tags beside the filters' ones, and the GiST index
  (point, etiquettes) accepts up to 503 tags per offer (``numranges = 252``; the default
  raises an error beyond 199). A week has 336 slots, so an offer holds at most 336 of them,
  plus its filter values.
- ``offre.point_3d``, the point on the unit sphere, in an n-D GiST with the tags
  (``ix_offre_sphere_actif``), replaces the geography index for the walk of origins whose
  planar window cannot prove its answer (overseas): the chord between two points of the
  sphere grows with their angle, so that walk yields the spherical order itself and reads
  only the rows it returns. The geography index's bound (a chord against an arc, 8 % short
  at 9,000 km) made it read, from Réunion, every offer of mainland France, and it tested
  filters and hours on the table's rows: 60-130 ms per window (New Caledonia, earlier:
  0.4-1.4 s); now 1.6 ms (164 buffers for 40 offers from Réunion).
- ``offre_horaires`` and its trigger (0006), which fed the former restricted scan, go.
- The GiST indexes on the offers' points alone (``ix_offre_point``, ``ix_offre_point_actif``)
  go: every query on offers' points is on active ones, which (point, etiquettes) serves as
  well (a KNN window of 40 without filter, 300 origins: p50 0.19-0.21 ms against
  0.22-0.24 ms). Left beside it, a smaller index made the generic plan of a search with an
  opening time walk it and test the slots on the table's rows (the planner cannot tell
  from a parameter how few offers are open at night).

The KNN walk then skips closed offers on the index entries, and its internal keys (ranges of
tags) let it skip whole subtrees where nothing is open then (a Sunday, the night). Measured
on 100,000 synthetic offers with a prototype of hour slots, a window of 40 with a service
and "open on Wednesday at 10:00": 0.53 ms, as the same walk without the opening time
(0.51 ms); with these half-hour slots, the whole first statement of a search from 400
postcodes, two runs: p50 1.85-2.34 ms at Wednesday 10:00 against 1.22-1.34 ms without an
opening time (1.54-1.68 ms without the count of the offers without hours).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TAGGED = (
    "services",
    "publics",
    "prise_en_charge",
    "frais",
    "modalites_accompagnement",
    "modalites_acces",
    "programmes",
)
FILTER_TAGS = f"offre_etiquettes({', '.join(TAGGED)})"
INDEX = """CREATE INDEX ix_offre_point_etiquettes_actif ON offre
    USING gist (point, etiquettes gist__int_ops{options}) WITH (buffering = on)
    WHERE statut = 'active'"""
GEOGRAPHY_INDEX = """CREATE INDEX ix_offre_geographie_actif ON offre
    USING gist ((point::geography)) WITH (buffering = on) WHERE statut = 'active'"""
SPHERE_INDEX = """CREATE INDEX ix_offre_sphere_actif ON offre
    USING gist (point_3d gist_geometry_ops_nd, etiquettes gist__int_ops(numranges = 252))
    WITH (buffering = on) WHERE statut = 'active'"""
#: the offer's point on the unit sphere (x toward 0° E, z toward the North Pole)
POINT_3D = """ST_MakePoint(
    cos(radians(ST_Y(point))) * cos(radians(ST_X(point))),
    cos(radians(ST_Y(point))) * sin(radians(ST_X(point))),
    sin(radians(ST_Y(point))))"""

CRENEAUX = r"""
CREATE OR REPLACE FUNCTION offre_creneaux(horaires text) RETURNS integer[]
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE
    day_re constant text := '(Mo|Tu|We|Th|Fr|Sa|Su)(?:-(Mo|Tu|We|Th|Fr|Sa|Su))?(\[[-0-9,]+\])?';
    names constant text[] := ARRAY['Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa', 'Su'];
    masks bigint[] := array_fill(0::bigint, ARRAY[7]);
    rule text;
    parts text[];
    item text[];
    span text[];
    halves bigint;
    first_day integer;
    last_day integer;
    d integer;
    s integer;
    e integer;
    tags integer[] := '{}';
BEGIN
    IF horaires IS NULL OR btrim(horaires) = '' THEN
        RETURN ARRAY[-1001];  -- no hours: never open
    END IF;
    FOREACH rule IN ARRAY regexp_split_to_array(btrim(horaires), '\s*;\s*') LOOP
        CONTINUE WHEN rule = '' OR rule ~ '^PH\s+(off|closed)$';
        parts := regexp_match(rule,
            '^((?:' || day_re || ')(?:,' || day_re || ')*)?\s*'
            || '(off|closed|\d\d:\d\d-\d\d:\d\d(?:,\d\d:\d\d-\d\d:\d\d)*)$');
        IF parts IS NULL OR (parts[1] IS NULL AND rule !~ '^\d') THEN
            RETURN ARRAY[-1000];  -- beyond this grammar: any time may be open
        END IF;
        halves := 0;
        IF parts[array_length(parts, 1)] NOT IN ('off', 'closed') THEN
            FOR span IN SELECT regexp_matches(parts[array_length(parts, 1)],
                    '(\d\d):(\d\d)-(\d\d):(\d\d)', 'g') LOOP
                s := span[1]::int * 60 + span[2]::int;
                e := span[3]::int * 60 + span[4]::int;
                IF e <= s OR e > 1440 OR span[2]::int > 59 OR span[4]::int > 59 THEN
                    RETURN ARRAY[-1000];  -- past midnight or odd: not handled here
                END IF;
                FOR d IN s / 30 .. (e - 1) / 30 LOOP
                    halves := halves | (1::bigint << d);
                END LOOP;
            END LOOP;
        END IF;
        IF parts[1] IS NULL THEN  -- times alone: every day
            FOR d IN 1 .. 7 LOOP masks[d] := halves; END LOOP;
            CONTINUE;
        END IF;
        FOR item IN SELECT regexp_matches(parts[1], day_re, 'g') LOOP
            first_day := array_position(names, item[1]);
            last_day := COALESCE(array_position(names, item[2]), first_day);
            IF last_day < first_day THEN last_day := last_day + 7; END IF;
            FOR d IN first_day .. last_day LOOP
                IF item[3] IS NULL THEN  -- every such day: this rule replaces earlier ones
                    masks[(d - 1) % 7 + 1] := halves;
                ELSE  -- some of them ([1], [-1]…): may be open, never closes the others
                    masks[(d - 1) % 7 + 1] := masks[(d - 1) % 7 + 1] | halves;
                END IF;
            END LOOP;
        END LOOP;
    END LOOP;
    FOR d IN 0 .. 6 LOOP
        FOR s IN 0 .. 47 LOOP
            IF masks[d + 1] & (1::bigint << s) <> 0 THEN
                tags := tags || (-1 - 48 * d - s);
            END IF;
        END LOOP;
    END LOOP;
    RETURN tags;
END
$fn$;
"""


def _etiquettes(expression: str, index_options: str) -> None:
    op.execute("DROP INDEX IF EXISTS ix_offre_point_etiquettes_actif")
    op.execute("ALTER TABLE offre DROP COLUMN etiquettes")
    op.execute(
        f"ALTER TABLE offre ADD COLUMN etiquettes integer[] GENERATED ALWAYS AS ({expression}) "
        "STORED"
    )
    op.execute(INDEX.format(options=index_options))


def upgrade() -> None:
    op.execute(CRENEAUX)
    op.execute("DROP INDEX IF EXISTS ix_offre_geographie_actif")
    _etiquettes(f"{FILTER_TAGS} || offre_creneaux(horaires)", "(numranges = 252)")
    op.execute(
        f"ALTER TABLE offre ADD COLUMN point_3d geometry GENERATED ALWAYS AS ({POINT_3D}) STORED"
    )
    op.execute(SPHERE_INDEX)
    op.execute("ANALYZE offre")
    op.execute("DROP TRIGGER IF EXISTS tr_offre_horaires ON offre")
    op.execute("DROP FUNCTION IF EXISTS offre_horaires_connues()")
    op.execute("DROP TABLE IF EXISTS offre_horaires")
    op.execute("DROP INDEX IF EXISTS ix_offre_point, ix_offre_point_actif")


def downgrade() -> None:
    op.execute(
        """
        CREATE INDEX ix_offre_point ON offre USING gist (point) WITH (buffering = on);
        CREATE INDEX ix_offre_point_actif ON offre USING gist (point) WITH (buffering = on)
            WHERE statut = 'active';
        """
    )
    op.execute("ALTER TABLE offre DROP COLUMN point_3d")  # its index with it
    _etiquettes(FILTER_TAGS, "")
    op.execute(GEOGRAPHY_INDEX)
    op.execute("ANALYZE offre")
    op.execute("DROP FUNCTION IF EXISTS offre_creneaux(text)")
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
