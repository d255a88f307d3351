"""PostgreSQL only: settled counts per (common word, facet key), kept by a trigger.

Why: a one-word search for a word in most calls (``innovation``: 82 % of the
benchmark's calls) spent half its time grouping 68 000 settled matches for the
facets. Settled calls are closed for good, so how many of them hold a word, per
facet key, only changes when the settled tier does. ``search_commonword`` lists the
words worth counting (chosen by ``search_words_refresh``, which the maintenance task
calls when the settled tier has grown or shrunk by a tenth, or once a day);
``search_settledwordcount`` holds their counts, which statement-level triggers on
``search_settledentry`` (rows are only ever inserted or deleted there) keep exact.
The refresh takes a SHARE lock on the settled tier, so that no writer's change
falls between the counts it computes and the list of words the trigger counts.
"""

from django.db import migrations

WORD_COUNTS = """
    SELECT w.lexeme, r.facet_key, count(*) AS n
    FROM {rows} r
    CROSS JOIN LATERAL unnest(tsvector_to_array(r.search_vector)) AS w(lexeme)
    JOIN search_commonword c ON c.lexeme = w.lexeme
    GROUP BY 1, 2"""

FORWARD = [
    f"""CREATE OR REPLACE FUNCTION search_words_sync() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          IF NOT EXISTS (SELECT FROM search_commonword) THEN RETURN NULL; END IF;
          IF TG_OP = 'INSERT' THEN
            INSERT INTO search_settledwordcount AS s (lexeme, facet_key, n)
            {WORD_COUNTS.format(rows="new_rows")}
            ORDER BY 1, 2
            ON CONFLICT (lexeme, facet_key) DO UPDATE SET n = s.n + EXCLUDED.n;
          ELSE
            UPDATE search_settledwordcount s SET n = s.n - d.n
            FROM ({WORD_COUNTS.format(rows="old_rows")}) AS d
            WHERE s.lexeme = d.lexeme AND s.facet_key = d.facet_key;
          END IF;
          RETURN NULL;
        END $$""",
    """CREATE TRIGGER search_words_insert AFTER INSERT ON search_settledentry
       REFERENCING NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION search_words_sync()""",
    """CREATE TRIGGER search_words_delete AFTER DELETE ON search_settledentry
       REFERENCING OLD TABLE AS old_rows
       FOR EACH STATEMENT EXECUTE FUNCTION search_words_sync()""",
    # Settled rows are moved, never updated: an update would bypass the counts.
    """CREATE OR REPLACE FUNCTION search_words_no_update() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION 'search_settledentry rows are inserted or deleted, never updated';
       END $$""",
    """CREATE TRIGGER search_words_update BEFORE UPDATE ON search_settledentry
       FOR EACH STATEMENT EXECUTE FUNCTION search_words_no_update()""",
    # Chooses the words held by at least ``min_share`` of the settled calls and
    # counts the new ones; returns how many words are counted.
    f"""CREATE OR REPLACE FUNCTION search_words_refresh(min_share double precision)
        RETURNS integer LANGUAGE plpgsql AS $$
        DECLARE total bigint; chosen text[]; added text[];
        BEGIN
          LOCK TABLE search_settledentry IN SHARE MODE;
          SELECT count(*) INTO total FROM search_settledentry;
          chosen := ARRAY(
            SELECT word FROM ts_stat('SELECT search_vector FROM search_settledentry')
            WHERE ndoc >= greatest(1, ceil(min_share * total)));
          DELETE FROM search_settledwordcount WHERE lexeme <> ALL(chosen);
          DELETE FROM search_commonword WHERE lexeme <> ALL(chosen);
          added := ARRAY(SELECT unnest(chosen) EXCEPT SELECT lexeme FROM search_commonword);
          INSERT INTO search_commonword (lexeme) SELECT unnest(added);
          INSERT INTO search_settledwordcount (lexeme, facet_key, n)
          {WORD_COUNTS.format(rows="search_settledentry").replace(
              "GROUP BY", "WHERE w.lexeme = ANY(added) GROUP BY")};
          UPDATE search_searchhorizon
          SET words_refreshed_at = now(), words_settled = total WHERE id = 1;
          RETURN cardinality(chosen);
        END $$""",
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS search_words_insert ON search_settledentry",
    "DROP TRIGGER IF EXISTS search_words_delete ON search_settledentry",
    "DROP TRIGGER IF EXISTS search_words_update ON search_settledentry",
    "DROP FUNCTION IF EXISTS search_words_sync()",
    "DROP FUNCTION IF EXISTS search_words_no_update()",
    "DROP FUNCTION IF EXISTS search_words_refresh(double precision)",
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
    dependencies = [("search", "0010_common_words")]

    operations = [migrations.RunPython(forward, backward)]
