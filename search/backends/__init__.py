"""Search engine backends behind one interface (``search.backends.base.SearchBackend``)."""

from __future__ import annotations

from functools import cache

from django.conf import settings

from search.backends.base import SearchBackend


@cache
def _backend_for(url: str) -> SearchBackend:
    if url:
        from search.backends.elasticsearch import ElasticsearchBackend

        return ElasticsearchBackend(url, index_prefix=settings.SEARCH_INDEX_PREFIX)
    from search.backends.database import DatabaseBackend

    return DatabaseBackend()


def get_backend() -> SearchBackend:
    """The configured backend: Elasticsearch when ``ELASTICSEARCH_URL`` is set."""
    return _backend_for(settings.ELASTICSEARCH_URL)
