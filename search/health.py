"""Reachability of the configured search engine, for ``/healthz``."""

from __future__ import annotations

from typing import Any
from urllib.request import urlopen

from django.conf import settings
from django.db import connection


def search_health() -> dict[str, Any]:
    """Embedded search lives in the database; an Elasticsearch URL must answer."""
    if settings.ELASTICSEARCH_URL:
        with urlopen(settings.ELASTICSEARCH_URL, timeout=2) as response:  # noqa: S310
            return {"engine": "elasticsearch", "http_status": response.status}
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"engine": f"embedded ({connection.vendor})"}
