"""Writing many rows, each with its own values, in one statement.

Recording a batch of deliveries sets a few fields on each of its rows. Django's
``bulk_update`` builds a ``CASE WHEN pk = … THEN …`` per field and row, which costs
milliseconds of Python per row; on PostgreSQL a single ``UPDATE … FROM (VALUES …)``
does the same work for a fraction of that. Other databases (the embedded SQLite
default) keep ``bulk_update``.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, models, router


def update_rows(objects: Sequence[models.Model], fields: Sequence[str]) -> None:
    """Save ``fields`` of each object (all of one model) in one statement."""
    if not objects:
        return
    model = type(objects[0])
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objects, fields)
        return
    meta = model._meta
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    quote = connection.ops.quote_name
    # Each value is cast to its column's type: VALUES alone would guess (NULL as text).
    row = "(" + ", ".join(f"%s::{field.db_type(connection)}" for field in columns) + ")"
    names = ", ".join(quote(field.column) for field in columns)
    assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in columns[1:])
    key = quote(meta.pk.column)
    # Only names from the model's metadata are formatted in; values go as parameters.
    sql = (
        f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "  # noqa: S608
        f"FROM (VALUES {', '.join([row] * len(objects))}) AS v({names}) "
        f"WHERE t.{key} = v.{key}"
    )
    params = [
        field.get_db_prep_save(getattr(obj, field.attname), connection)
        for obj in objects
        for field in columns
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
