"""What the PostgreSQL-only migrations share (a leading underscore: not a migration)."""

from collections.abc import Sequence

from django.db import migrations


def postgres_statements(
    forward: Sequence[str], backward: Sequence[str]
) -> migrations.RunPython:
    """Run ``forward`` (or ``backward`` when unapplied) on PostgreSQL, nothing elsewhere."""

    def run(statements: Sequence[str]):
        def operation(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql":
                for statement in statements:
                    schema_editor.execute(statement)

        return operation

    return migrations.RunPython(run(forward), run(backward))
