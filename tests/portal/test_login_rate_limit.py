"""The shared rate-limit helpers: the client behind trusted proxies, an atomic counter."""

from __future__ import annotations

import threading

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory

from portal.throttling import client_address, count_hit


def request(remote: str = "10.0.0.2", forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_with_no_trusted_proxy_the_header_is_ignored(settings):
    settings.PORTAL_TRUSTED_PROXY_COUNT = 0
    assert client_address(request(forwarded="203.0.113.1")) == "10.0.0.2"


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, "203.0.113.1", "203.0.113.1"),
        (1, "192.0.2.66, 203.0.113.1", "203.0.113.1"),  # a forged left-most entry
        (2, "192.0.2.66, 203.0.113.1, 10.0.0.9", "203.0.113.1"),
        (2, "203.0.113.1", "203.0.113.1"),  # shorter than expected: its left-most
        (1, "not-an-address", "10.0.0.2"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_is_the_right_most_entry_no_trusted_proxy_wrote(
    settings, count, forwarded, expected
):
    settings.PORTAL_TRUSTED_PROXY_COUNT = count
    assert client_address(request(forwarded=forwarded)) == expected


@pytest.mark.django_db(transaction=True)
def test_count_hit_is_atomic_across_connections():
    """Django's database cache does incr() as a read then a write: two processes lose hits.

    Each thread has its own database connection, like two gunicorn workers.
    """
    key = "test:count-hit-atomic"
    cache.delete(key)
    threads_count, hits = 4, 15
    barrier = threading.Barrier(threads_count)

    def hammer():
        try:
            barrier.wait()
            for _ in range(hits):
                count_hit(key, 60)
        finally:
            connection.close()

    threads = [threading.Thread(target=hammer) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.get(key) == threads_count * hits
    cache.delete(key)
