"""SQLite only: the FTS5 table of the embedded engine (PostgreSQL uses tsvector)."""

from django.db import migrations

CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
    "title, summary, keywords, body, tokenize = 'unicode61 remove_diacritics 2')"
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(CREATE)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS search_fts")


class Migration(migrations.Migration):
    dependencies = [("search", "0003_vocabulary")]

    operations = [migrations.RunPython(forward, backward)]
