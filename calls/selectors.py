"""Read-side queries for the public pages."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q

from calls.models import CallPage, Sector

CLOSING_SOON = timedelta(days=7)


def home_sections(now: datetime) -> dict[str, Any]:
    open_calls = CallPage.objects.live().public_listing().open(now)
    return {
        "latest_open_calls": open_calls.order_by("-first_published_at")[:6],
        "closing_soon_calls": open_calls.filter(closes_at__lte=now + CLOSING_SOON)[:4],
        "open_count": open_calls.count(),
        "sectors_with_counts": sectors_with_open_counts(now),
    }


def sectors_with_open_counts(now: datetime) -> list[Sector]:
    open_ids = CallPage.objects.live().open(now).values("pk")
    # An aggregate query ignores Meta.ordering: order explicitly.
    sectors = Sector.objects.annotate(open_count=Count("calls", filter=Q(calls__in=open_ids)))
    return list(sectors.order_by("position"))
