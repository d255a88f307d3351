"""Shared rate-limit helpers: who the client is, and an atomic counter in the cache.

Every limit of the site (login failures, forms that send mail, the search API) counts
through ``count_hit`` and keys its buckets on ``client_address``, which honours
``PORTAL_TRUSTED_PROXY_COUNT``: behind the production reverse proxy, REMOTE_ADDR is the
proxy's address and would put every visitor in one bucket.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from django.http import HttpRequest

HOUR = 3600


def _clean_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The client's IP address, as seen by the first proxy we trust.

    Each of the ``PORTAL_TRUSTED_PROXY_COUNT`` proxies appends the address it received
    the request from to X-Forwarded-For, so the client is the right-most entry that no
    trusted proxy wrote; entries left of it may be forged by the client and are ignored.
    A header shorter than expected (a request that did not pass every proxy) falls back
    to its left-most entry; an unreadable one to REMOTE_ADDR.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    trusted = settings.PORTAL_TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if trusted <= 0 or not forwarded:
        return remote
    entries = [entry for entry in forwarded.split(",") if entry.strip()]
    if not entries:
        return remote
    candidate = entries[-trusted] if len(entries) >= trusted else entries[0]
    return _clean_ip(candidate) or remote


def count_hit(key: str, window_seconds: int) -> int:
    """Count one hit under ``key`` and return the count so far.

    The window is fixed and starts at the first hit. ``cache.add`` is atomic on every
    shared backend and Redis's ``incr`` is too; Django's database cache implements
    ``incr`` as a read then a write, so there the row is locked first (on PostgreSQL;
    SQLite already serialises writing transactions) and two processes never both read
    the same count.
    """
    cache.add(key, 0, timeout=window_seconds)
    backend = caches["default"]
    if isinstance(backend, DatabaseCache):
        return _incr_locked(backend, key, window_seconds)
    return _incr(key, window_seconds)


def _incr(key: str, window_seconds: int) -> int:
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=window_seconds)
        return 1


def _incr_locked(backend: DatabaseCache, key: str, window_seconds: int) -> int:
    db = router.db_for_write(backend.cache_model_class)
    connection = connections[db]
    with transaction.atomic(using=db):
        if connection.vendor == "postgresql":
            table = connection.ops.quote_name(backend._table)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT cache_key FROM {table} WHERE cache_key = %s FOR UPDATE",  # noqa: S608
                    [backend.make_and_validate_key(key)],
                )
        return _incr(key, window_seconds)


def rate_limit_exceeded(request: HttpRequest, bucket: str, limit: int, window: int = HOUR) -> bool:
    """Count this request in ``bucket`` and say whether the client went over ``limit``."""
    return count_hit(f"rate:{bucket}:{client_address(request)}", window) > limit
