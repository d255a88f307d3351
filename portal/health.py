"""Reachability checks for ``/healthz``: database, broker, search."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection


def _timed(check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        result = {"ok": True, **check()}
    except Exception as error:  # a health check reports failures, it does not raise them
        result = {"ok": False, "error": f"{type(error).__name__}: {error}"[:300]}
    result["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def check_database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"engine": connection.vendor}


def check_broker() -> dict[str, Any]:
    from portal.celery import app

    url = settings.CELERY_BROKER_URL
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    with app.connection_for_write(url, transport_options=options) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        return {"transport": conn.transport_cls}


def check_search() -> dict[str, Any]:
    from search.health import search_health

    return search_health()


CHECKS = {"database": check_database, "broker": check_broker, "search": check_search}


def run_checks() -> dict[str, Any]:
    results = {name: _timed(check) for name, check in CHECKS.items()}
    return {
        "status": "ok" if all(r["ok"] for r in results.values()) else "error",
        "checks": results,
    }


def public_report(report: dict[str, Any]) -> dict[str, Any]:
    """The report without details: only ok/failing per component."""
    return {
        "status": report["status"],
        "checks": {name: {"ok": result["ok"]} for name, result in report["checks"].items()},
    }
