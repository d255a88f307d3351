"""PostgreSQL only: the vectors move from ``search_searchentry`` to two match tiers.

Why: at 100 000 calls, a search spent most of its time reading each matching call's
heap row for the facets and each live match's vector back from TOAST for ranking.
``search_hotentry`` holds the calls that close after the horizon (the live ones and
the recently closed), vector inline and uncompressed, so ranking them reads no TOAST;
``search_settledentry`` holds the calls closed before it, in rows of ~100 bytes with
the vector out of line. Both carry a ``facet_key`` (``search_facetkey``: one row per
type × issuer × sectors, with the number of settled calls) instead of three strings,
so that grouping the matches hashes an integer, and browsing without words only
groups the hot tier.

Statement-level triggers on ``search_searchentry`` build the vector (title A,
summary and keywords B, body, issuer and location C, as migration 0005's row
trigger did, which is dropped) and write each row into exactly one tier; an update
that changes none of the indexed columns (``rebuild()`` resetting versions) leaves
the tiers alone. ``search_settle(upto)`` moves the calls that closed before
``upto`` from the hot tier to the settled one and advances the horizon; the
reconciliation task calls it. Only calls closed before the horizon are ever in the
settled tier, whatever the interleaving of writers, so a hot call is never
mistaken for a closed one.
"""

from django.db import migrations

VECTOR = """
    setweight(to_tsvector('french_unaccent', COALESCE(s.title, '')), 'A')
 || setweight(to_tsvector('french_unaccent',
      COALESCE(s.summary, '') || ' ' || COALESCE(s.keywords, '')), 'B')
 || setweight(to_tsvector('french_unaccent',
      COALESCE(s.body, '') || ' ' || COALESCE(s.issuer, '') || ' '
      || COALESCE(s.location, '')), 'C')"""

TIER_COLUMNS = (
    "entry_id, call_id, facet_key, opens_at, closes_at, closed_early, published_at, "
    "search_vector"
)


def add_rows(source: str) -> str:
    """plpgsql statements writing the rows of ``source`` into their tier."""
    return f"""
      INSERT INTO search_searchhorizon (id, settled_before)
      VALUES (1, now() - interval '1 hour') ON CONFLICT (id) DO NOTHING;
      SELECT settled_before INTO h FROM search_searchhorizon WHERE id = 1;
      INSERT INTO search_facetkey (call_type, issuer_slug, sectors, settled)
      SELECT DISTINCT call_type, issuer_slug, sectors, 0 FROM {source} s ORDER BY 1, 2, 3
      ON CONFLICT (call_type, issuer_slug, sectors) DO NOTHING;
      WITH r AS (
        SELECT s.id, s.call_id, f.id AS facet_key, s.opens_at, s.closes_at, s.closed_early,
               s.published_at, (s.closes_at > h OR s.opens_at > s.closes_at) AS hot,
               {VECTOR} AS v
        FROM {source} s
        JOIN search_facetkey f ON f.call_type = s.call_type
         AND f.issuer_slug = s.issuer_slug AND f.sectors = s.sectors
      ), hot AS (
        INSERT INTO search_hotentry ({TIER_COLUMNS})
        SELECT id, call_id, facet_key, opens_at, closes_at, closed_early, published_at, v
        FROM r WHERE hot
      ), settled AS (
        INSERT INTO search_settledentry ({TIER_COLUMNS})
        SELECT id, call_id, facet_key, opens_at, closes_at, closed_early, published_at, v
        FROM r WHERE NOT hot
        RETURNING facet_key
      )
      SELECT array_agg(facet_key) INTO keys FROM settled;
      PERFORM search_count_settled(keys, 1);"""


FORWARD = [
    # Counts settled calls per facet key, locking the keys in id order so that two
    # writers (or a writer and search_settle) never wait for each other in a cycle.
    """CREATE OR REPLACE FUNCTION search_count_settled(keys bigint[], sign integer)
       RETURNS void LANGUAGE plpgsql AS $$
       BEGIN
         IF keys IS NULL THEN RETURN; END IF;
         PERFORM 1 FROM search_facetkey WHERE id = ANY(keys) ORDER BY id FOR UPDATE;
         UPDATE search_facetkey f SET settled = f.settled + sign * c.n
         FROM (SELECT k, count(*) AS n FROM unnest(keys) AS k GROUP BY k) c
         WHERE f.id = c.k;
       END $$""",
    """CREATE OR REPLACE FUNCTION search_tiers_drop(ids bigint[])
       RETURNS void LANGUAGE plpgsql AS $$
       DECLARE keys bigint[];
       BEGIN
         WITH gone AS (
           DELETE FROM search_settledentry WHERE entry_id = ANY(ids) RETURNING facet_key
         )
         SELECT array_agg(facet_key) INTO keys FROM gone;
         PERFORM search_count_settled(keys, -1);
         DELETE FROM search_hotentry WHERE entry_id = ANY(ids);
       END $$""",
    f"""CREATE OR REPLACE FUNCTION search_tiers_sync() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE h timestamptz; keys bigint[]; changed bigint[];
        BEGIN
          IF TG_OP = 'INSERT' THEN
            {add_rows("new_rows")}
          ELSIF TG_OP = 'DELETE' THEN
            PERFORM search_tiers_drop(ARRAY(SELECT id FROM old_rows));
          ELSE
            changed := ARRAY(
              SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
              WHERE (n.call_id, n.call_type, n.issuer_slug, n.sectors, n.opens_at,
                     n.closes_at, n.closed_early, n.published_at, n.title, n.issuer,
                     n.location, n.keywords, n.summary, n.body)
                 IS DISTINCT FROM
                    (o.call_id, o.call_type, o.issuer_slug, o.sectors, o.opens_at,
                     o.closes_at, o.closed_early, o.published_at, o.title, o.issuer,
                     o.location, o.keywords, o.summary, o.body));
            IF cardinality(changed) > 0 THEN
              PERFORM search_tiers_drop(changed);
              {add_rows("(SELECT * FROM new_rows WHERE id = ANY(changed))")}
            END IF;
          END IF;
          RETURN NULL;
        END $$""",
    f"""CREATE OR REPLACE FUNCTION search_tiers_fill() RETURNS void
        LANGUAGE plpgsql AS $$
        DECLARE h timestamptz; keys bigint[];
        BEGIN
          {add_rows("search_searchentry")}
        END $$""",
    f"""CREATE OR REPLACE FUNCTION search_settle(upto timestamptz) RETURNS integer
        LANGUAGE plpgsql AS $$
        DECLARE h timestamptz; keys bigint[];
        BEGIN
          INSERT INTO search_searchhorizon (id, settled_before) VALUES (1, '-infinity')
          ON CONFLICT (id) DO NOTHING;  -- only if no call was ever written
          SELECT settled_before INTO h FROM search_searchhorizon WHERE id = 1 FOR UPDATE;
          IF upto <= h THEN RETURN 0; END IF;
          WITH moving AS (
            DELETE FROM search_hotentry
            WHERE closes_at <= upto AND opens_at <= closes_at
            RETURNING {TIER_COLUMNS}
          ), settled AS (
            INSERT INTO search_settledentry ({TIER_COLUMNS})
            SELECT {TIER_COLUMNS} FROM moving
            RETURNING facet_key
          )
          SELECT array_agg(facet_key) INTO keys FROM settled;
          PERFORM search_count_settled(keys, 1);
          UPDATE search_searchhorizon SET settled_before = upto WHERE id = 1;
          RETURN COALESCE(cardinality(keys), 0);
        END $$""",
    # Hot rows keep their vector inline and uncompressed up to a full page: ranking
    # reads it with the row, without TOAST or decompression.
    "ALTER TABLE search_hotentry SET (toast_tuple_target = 8160)",
    "ALTER TABLE search_hotentry ALTER COLUMN search_vector SET STORAGE EXTERNAL",
    # Settled rows stay narrow: the vector is compressed and out of line, read back
    # only to rank closed calls. (PostgreSQL toasts only rows over ~2 kB: that is why
    # the hot tier must not hand over vectors compressed below that size.)
    "ALTER TABLE search_settledentry SET (toast_tuple_target = 128)",
    """ALTER TABLE search_settledentry
         ALTER COLUMN search_vector SET STORAGE EXTENDED,
         ALTER COLUMN call_id SET STORAGE PLAIN""",
    # PostgreSQL moves values out of line only in rows over ~2 kB (a compile-time
    # threshold; toast_tuple_target only sets how far to shrink them), and most
    # vectors are a little under that: every settled row therefore carries 2 kB of
    # blanks that the toaster compresses to a few bytes, which sends the vector
    # out of line as well. The column is written by its default only.
    "ALTER TABLE search_settledentry ADD COLUMN toast_pad text DEFAULT repeat(' ', 2100)",
    """DO $$ BEGIN
         ALTER TABLE search_settledentry
           ALTER COLUMN search_vector SET COMPRESSION lz4,
           ALTER COLUMN toast_pad SET COMPRESSION lz4;
       EXCEPTION WHEN OTHERS THEN NULL;  -- a server built without lz4: pglz
       END $$""",
    "CREATE INDEX search_hot_vector_gin ON search_hotentry USING gin (search_vector)",
    "CREATE INDEX search_settled_vector_gin ON search_settledentry USING gin (search_vector)",
    # Browsing groups the whole hot tier: from this index alone, not its wide rows.
    "CREATE INDEX search_hot_facets ON search_hotentry "
    "(facet_key) INCLUDE (opens_at, closes_at, closed_early)",
    "DROP TRIGGER IF EXISTS search_entry_vector ON search_searchentry",
    "DROP FUNCTION IF EXISTS search_entry_vector()",
    """CREATE TRIGGER search_tiers_insert AFTER INSERT ON search_searchentry
       REFERENCING NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION search_tiers_sync()""",
    """CREATE TRIGGER search_tiers_update AFTER UPDATE ON search_searchentry
       REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION search_tiers_sync()""",
    """CREATE TRIGGER search_tiers_delete AFTER DELETE ON search_searchentry
       REFERENCING OLD TABLE AS old_rows
       FOR EACH STATEMENT EXECUTE FUNCTION search_tiers_sync()""",
    # The rows already indexed, each straight into its tier.
    "SELECT search_tiers_fill()",
    # The vector now lives in the tiers only.
    "DROP INDEX IF EXISTS search_entry_vector_gin",
    "UPDATE search_searchentry SET search_vector = NULL WHERE search_vector IS NOT NULL",
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS search_tiers_insert ON search_searchentry",
    "DROP TRIGGER IF EXISTS search_tiers_update ON search_searchentry",
    "DROP TRIGGER IF EXISTS search_tiers_delete ON search_searchentry",
    "DROP FUNCTION IF EXISTS search_tiers_sync()",
    "DROP FUNCTION IF EXISTS search_tiers_fill()",
    "DROP FUNCTION IF EXISTS search_settle(timestamptz)",
    "DROP FUNCTION IF EXISTS search_tiers_drop(bigint[])",
    "DROP FUNCTION IF EXISTS search_count_settled(bigint[], integer)",
    """CREATE OR REPLACE FUNCTION search_entry_vector() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         NEW.search_vector :=
              setweight(to_tsvector('french_unaccent', COALESCE(NEW.title, '')), 'A')
           || setweight(to_tsvector('french_unaccent',
                COALESCE(NEW.summary, '') || ' ' || COALESCE(NEW.keywords, '')), 'B')
           || setweight(to_tsvector('french_unaccent',
                COALESCE(NEW.body, '') || ' ' || COALESCE(NEW.issuer, '') || ' '
                || COALESCE(NEW.location, '')), 'C');
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER search_entry_vector
       BEFORE INSERT OR UPDATE OF title, summary, keywords, body, issuer, location
       ON search_searchentry FOR EACH ROW EXECUTE FUNCTION search_entry_vector()""",
    "UPDATE search_searchentry SET title = title",
    "CREATE INDEX IF NOT EXISTS search_entry_vector_gin ON search_searchentry "
    "USING gin (search_vector)",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("search", "0007_match_tiers")]

    operations = [migrations.RunPython(forward, backward)]
