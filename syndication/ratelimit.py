"""A client-side rate limit shared by every worker process, kept in the partner's row.

Each request reserves the next free slot (``next_request_at`` moves on by one
interval under a row lock) and sleeps until it; so however many workers deliver,
the partner sees at most the configured rate and never has to answer 429.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from syndication.models import ConnectorKind, Partner


def requests_per_second(partner: Partner) -> float | None:
    if partner.kind == ConnectorKind.PACTEPME:
        return settings.PACTEPME_MAX_REQUESTS_PER_SECOND
    return None


def reserve_slot(partner_id: int, rate: float) -> float:
    """Reserve the next request slot; returns how many seconds to wait for it."""
    interval = timedelta(seconds=1 / rate)
    with transaction.atomic():
        current = (
            Partner.objects.select_for_update()
            .filter(pk=partner_id)
            .values_list("next_request_at", flat=True)
            .get()
        )
        now = timezone.now()
        slot = max(now, current or now)
        Partner.objects.filter(pk=partner_id).update(next_request_at=slot + interval)
    return (slot - now).total_seconds()


def throttle_for(partner: Partner) -> Callable[[], None]:
    rate = requests_per_second(partner)

    def throttle() -> None:
        if rate:
            wait = reserve_slot(partner.pk, rate)
            if wait > 0:
                time.sleep(wait)

    return throttle
