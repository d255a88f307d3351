"""Reachability of the configured search engine, for ``/healthz``."""

from __future__ import annotations

from typing import Any

from search.backends import get_backend


def search_health() -> dict[str, Any]:
    """Ask the configured engine; an unreachable Elasticsearch raises, and is reported."""
    return get_backend().health()
