"""PostgreSQL only: the three long out-of-line values compressed with ``lz4``.

Migration 0005 keeps six values of each row out of line and uncompressed
(``EXTERNAL``) so that the heap rows every facet scan reads stay narrow. Each of
those values fits in one TOAST chunk, so compressing them does not save TOAST rows;
compressing ``body``, ``folded_text`` and ``search_vector`` (``EXTENDED``) with
``lz4``, which is several times faster than the default ``pglz`` both ways, writes
about a quarter fewer TOAST (and WAL) bytes and keeps more of the vectors that
ranking reads back in the 128 MB of shared buffers. ``title``, ``summary`` and
``keywords`` stay out of line and uncompressed: they are short, and inline they
would make the heap about 1.7 times as wide. ``benchmarks/README.md`` has the A/B
timings. Rows written before keep their layout until they are next written, which
``rebuild()`` does; nothing else changes.
"""

from django.db import DatabaseError, migrations, transaction

COMPRESSED = ("body", "folded_text", "search_vector")

EXTENDED = "ALTER TABLE search_searchentry " + ", ".join(
    f"ALTER COLUMN {column} SET STORAGE EXTENDED" for column in COMPRESSED
)
LZ4 = "ALTER TABLE search_searchentry " + ", ".join(
    f"ALTER COLUMN {column} SET COMPRESSION lz4" for column in COMPRESSED
)
BACKWARD = [
    "ALTER TABLE search_searchentry "
    + ", ".join(f"ALTER COLUMN {column} SET COMPRESSION DEFAULT" for column in COMPRESSED),
    "ALTER TABLE search_searchentry "
    + ", ".join(f"ALTER COLUMN {column} SET STORAGE EXTERNAL" for column in COMPRESSED),
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(EXTENDED)
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute(LZ4)
    except DatabaseError:
        pass  # A server built without lz4: the values are compressed with pglz.


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("search", "0005_postgres_vector_trigger_narrow_rows")]

    operations = [migrations.RunPython(forward, backward)]
