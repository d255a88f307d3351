"""PostgreSQL only: ``search_vector`` built by a trigger, and narrow heap rows.

- The trigger builds the weighted vector (title A, summary and keywords B, body,
  issuer and location C, as ``SearchVector`` did) in the ``INSERT`` or ``UPDATE``
  that writes the text, instead of a second ``UPDATE`` of every row: indexing writes
  each row, and each GIN entry, once.
- Every search reads the facet columns and dates of all the calls that match, one
  heap row each. Keeping the long texts and the vector out of line (TOAST, not
  compressed so that reading one back is a plain copy) and the short columns inline
  makes a row about 250 bytes instead of about 3 kB, so that scan reads about 12×
  fewer pages. The vector need not be read back for matching: a GIN match of a
  plain OR query needs no recheck. The existing rows are rewritten (the ``UPDATE``
  also fires the trigger) so that they get the new layout.
"""

from django.db import migrations

FORWARD = [
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
    "DROP TRIGGER IF EXISTS search_entry_vector ON search_searchentry",
    """CREATE TRIGGER search_entry_vector
       BEFORE INSERT OR UPDATE OF title, summary, keywords, body, issuer, location
       ON search_searchentry FOR EACH ROW EXECUTE FUNCTION search_entry_vector()""",
    "ALTER TABLE search_searchentry SET (toast_tuple_target = 128)",
    # Out of line: read only for the 20 hits of a page (and the vector for ranking).
    """ALTER TABLE search_searchentry
         ALTER COLUMN title SET STORAGE EXTERNAL,
         ALTER COLUMN summary SET STORAGE EXTERNAL,
         ALTER COLUMN body SET STORAGE EXTERNAL,
         ALTER COLUMN keywords SET STORAGE EXTERNAL,
         ALTER COLUMN folded_text SET STORAGE EXTERNAL,
         ALTER COLUMN search_vector SET STORAGE EXTERNAL""",
    # Inline, never moved out: the target of 128 bytes would otherwise push these
    # short columns, which every facet count reads, out of line as well.
    """ALTER TABLE search_searchentry
         ALTER COLUMN call_id SET STORAGE PLAIN,
         ALTER COLUMN call_type SET STORAGE PLAIN,
         ALTER COLUMN issuer SET STORAGE PLAIN,
         ALTER COLUMN issuer_slug SET STORAGE PLAIN,
         ALTER COLUMN sectors SET STORAGE PLAIN,
         ALTER COLUMN location SET STORAGE PLAIN,
         ALTER COLUMN url SET STORAGE PLAIN""",
    "UPDATE search_searchentry SET title = title",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS search_entry_vector ON search_searchentry",
    "DROP FUNCTION IF EXISTS search_entry_vector()",
    "ALTER TABLE search_searchentry RESET (toast_tuple_target)",
    """ALTER TABLE search_searchentry
         ALTER COLUMN title SET STORAGE EXTENDED,
         ALTER COLUMN summary SET STORAGE EXTENDED,
         ALTER COLUMN body SET STORAGE EXTENDED,
         ALTER COLUMN keywords SET STORAGE EXTENDED,
         ALTER COLUMN folded_text SET STORAGE EXTENDED,
         ALTER COLUMN search_vector SET STORAGE EXTENDED,
         ALTER COLUMN call_id SET STORAGE EXTENDED,
         ALTER COLUMN call_type SET STORAGE EXTENDED,
         ALTER COLUMN issuer SET STORAGE EXTENDED,
         ALTER COLUMN issuer_slug SET STORAGE EXTENDED,
         ALTER COLUMN sectors SET STORAGE EXTENDED,
         ALTER COLUMN location SET STORAGE EXTENDED,
         ALTER COLUMN url SET STORAGE EXTENDED""",
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
    dependencies = [("search", "0004_sqlite_fts")]

    operations = [migrations.RunPython(forward, backward)]
