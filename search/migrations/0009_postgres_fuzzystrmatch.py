"""PostgreSQL only: ``fuzzystrmatch``, whose ``levenshtein_less_equal`` pre-filters the
vocabulary for typo correction (``search.fuzzy``) in C instead of in Python."""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS fuzzystrmatch")


class Migration(migrations.Migration):
    dependencies = [("search", "0008_postgres_match_tiers")]

    # Backwards leaves the extension installed: other code may use it.
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
