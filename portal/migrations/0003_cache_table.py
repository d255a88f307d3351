"""The database cache table (login rate limits) is created with the schema."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("portal", "0002_home_page")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
