"""PostgreSQL only: the hot tier's ranks of its frequent words, kept by a trigger.

Why: a one-word search for a word in most live calls (``innovation``: 13 753 of the
benchmark's 16 829 hot calls at 100 000) read and ranked every live match's 2 kB
vector to keep the best twenty, and read the same rows again to count them for the
facets. ``search_rankedword`` lists the words held by at least a given share of the
hot calls (chosen by ``search_ranked_words_refresh``); ``search_hotwordrank`` holds,
for each of them and each hot call holding it, the call's rank for that word alone
(``ts_rank`` with the engine's weights and the word's one-lexeme tsquery, the very
value a search for the word computes) beside the columns that filters and facets
read. An index in rank order gives the best live calls from its first entries, and
counting reads its narrow entries. Statement-level triggers on ``search_hotentry``
(whose rows are only ever inserted or deleted: an update now raises) keep it exact;
the refresh takes a SHARE lock on the hot tier, so that no writer's change falls
between the ranks it computes and the list of words the trigger ranks.
"""

from importlib import import_module

from django.db import migrations

from search.migrations._postgres import postgres_statements

COMMON_WORDS = import_module("search.migrations.0011_postgres_common_words")

RANK_COLUMNS = "entry_id, lexeme, rank, facet_key, opens_at, closes_at, closed_early, call_id"

# The rows of ``rows`` (hot tier rows) for every ranked word they hold.
WORD_RANKS = """
    SELECT r.entry_id, w.lexeme,
           ts_rank('{{0.1,0.3,0.6,1.0}}'::float4[], r.search_vector,
                   search_lexeme_tsquery(w.lexeme)),
           r.facet_key, r.opens_at, r.closes_at, r.closed_early, r.call_id
    FROM {rows} r
    CROSS JOIN LATERAL unnest(tsvector_to_array(r.search_vector)) AS w(lexeme)
    JOIN search_rankedword k ON k.lexeme = w.lexeme"""

FORWARD = [
    # Migration 0011's choice of the common words, which now also records how many
    # settled calls hold each (``search_commonword.ndoc``), and writes a word's counts
    # together: a search reads them from a few pages instead of one page per key.
    # Room on each page keeps the triggers' updates there (HOT updates).
    "ALTER TABLE search_settledwordcount SET (fillfactor = 70)",
    f"""CREATE OR REPLACE FUNCTION search_words_refresh(min_share double precision)
        RETURNS integer LANGUAGE plpgsql AS $$
        DECLARE total bigint; chosen text[]; ndocs integer[]; added text[];
        BEGIN
          LOCK TABLE search_settledentry IN SHARE MODE;
          SELECT count(*) INTO total FROM search_settledentry;
          SELECT COALESCE(array_agg(word), '{{}}'), COALESCE(array_agg(ndoc), '{{}}')
          INTO chosen, ndocs
          FROM ts_stat('SELECT search_vector FROM search_settledentry')
          WHERE ndoc >= greatest(1, ceil(min_share * total));
          DELETE FROM search_settledwordcount WHERE lexeme <> ALL(chosen);
          DELETE FROM search_commonword WHERE lexeme <> ALL(chosen);
          added := ARRAY(SELECT unnest(chosen) EXCEPT SELECT lexeme FROM search_commonword);
          INSERT INTO search_commonword (lexeme) SELECT unnest(added);
          UPDATE search_commonword c SET ndoc = w.ndoc
          FROM unnest(chosen, ndocs) AS w(word, ndoc) WHERE w.word = c.lexeme;
          INSERT INTO search_settledwordcount (lexeme, facet_key, n)
          {COMMON_WORDS.WORD_COUNTS.format(rows="search_settledentry").replace(
              "GROUP BY", "WHERE w.lexeme = ANY(added) GROUP BY")}
          ORDER BY 1, 2;
          UPDATE search_searchhorizon
          SET words_refreshed_at = now(), words_settled = total WHERE id = 1;
          RETURN cardinality(chosen);
        END $$""",
    # The one-lexeme tsquery of a lexeme, as the tsquery text a search passes
    # ('innov') reads back: quotes and backslashes escaped.
    r"""CREATE OR REPLACE FUNCTION search_lexeme_tsquery(lexeme text) RETURNS tsquery
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
          SELECT ('''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || '''')::tsquery
        $$""",
    f"""CREATE OR REPLACE FUNCTION search_hot_words_sync() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          IF NOT EXISTS (SELECT FROM search_rankedword) THEN RETURN NULL; END IF;
          IF TG_OP = 'INSERT' THEN
            INSERT INTO search_hotwordrank ({RANK_COLUMNS})
            {WORD_RANKS.format(rows="new_rows")};
          ELSE
            DELETE FROM search_hotwordrank WHERE entry_id IN (SELECT entry_id FROM old_rows);
          END IF;
          RETURN NULL;
        END $$""",
    """CREATE TRIGGER search_hot_words_insert AFTER INSERT ON search_hotentry
       REFERENCING NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION search_hot_words_sync()""",
    """CREATE TRIGGER search_hot_words_delete AFTER DELETE ON search_hotentry
       REFERENCING OLD TABLE AS old_rows
       FOR EACH STATEMENT EXECUTE FUNCTION search_hot_words_sync()""",
    # Hot rows are replaced, never updated: an update would bypass the ranks.
    """CREATE OR REPLACE FUNCTION search_hot_words_no_update() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION 'search_hotentry rows are inserted or deleted, never updated';
       END $$""",
    """CREATE TRIGGER search_hot_words_update BEFORE UPDATE ON search_hotentry
       FOR EACH STATEMENT EXECUTE FUNCTION search_hot_words_no_update()""",
    # The best live calls for a word, in the order a search ranks them, with what the
    # filters and the facets read: both are answered from this index alone.
    """CREATE INDEX search_hotwordrank_best ON search_hotwordrank
       (lexeme, rank DESC, closes_at, call_id)
       INCLUDE (entry_id, facet_key, opens_at, closed_early)""",
    # Chooses the words held by at least ``min_share`` of the hot calls and ranks the
    # hot calls for the new ones; returns how many words are ranked.
    f"""CREATE OR REPLACE FUNCTION search_ranked_words_refresh(min_share double precision)
        RETURNS integer LANGUAGE plpgsql AS $$
        DECLARE total bigint; chosen text[]; added text[];
        BEGIN
          LOCK TABLE search_hotentry IN SHARE MODE;
          SELECT count(*) INTO total FROM search_hotentry;
          chosen := ARRAY(
            SELECT word FROM ts_stat('SELECT search_vector FROM search_hotentry')
            WHERE ndoc >= greatest(1, ceil(min_share * total)));
          DELETE FROM search_hotwordrank WHERE lexeme <> ALL(chosen);
          DELETE FROM search_rankedword WHERE lexeme <> ALL(chosen);
          added := ARRAY(SELECT unnest(chosen) EXCEPT SELECT lexeme FROM search_rankedword);
          INSERT INTO search_rankedword (lexeme) SELECT unnest(added);
          INSERT INTO search_hotwordrank ({RANK_COLUMNS})
          {WORD_RANKS.format(rows="search_hotentry")}
          WHERE w.lexeme = ANY(added) ORDER BY 2, 3 DESC;
          RETURN cardinality(chosen);
        END $$""",
]

BACKWARD = [
    "ALTER TABLE search_settledwordcount RESET (fillfactor)",
    *(
        statement
        for statement in COMMON_WORDS.FORWARD
        if "FUNCTION search_words_refresh" in statement
    ),
    "DROP TRIGGER IF EXISTS search_hot_words_insert ON search_hotentry",
    "DROP TRIGGER IF EXISTS search_hot_words_delete ON search_hotentry",
    "DROP TRIGGER IF EXISTS search_hot_words_update ON search_hotentry",
    "DROP FUNCTION IF EXISTS search_hot_words_sync()",
    "DROP FUNCTION IF EXISTS search_hot_words_no_update()",
    "DROP FUNCTION IF EXISTS search_ranked_words_refresh(double precision)",
    "DROP FUNCTION IF EXISTS search_lexeme_tsquery(text)",
    "DROP INDEX IF EXISTS search_hotwordrank_best",
]


class Migration(migrations.Migration):
    dependencies = [("search", "0012_ranked_words")]

    operations = [postgres_statements(FORWARD, BACKWARD)]
