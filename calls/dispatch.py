"""Hand committed CallEvents to the worker, and to the consumers registered in settings.

``dispatch_event`` runs after commit; if the broker cannot take the message the
event stays undispatched and ``redispatch_call_events`` (scheduled) sends it again,
so the broker never holds the only copy of anything.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from calls.models import CallEvent

logger = logging.getLogger(__name__)

# How long an event may wait for its worker before the scheduler sends it again.
REDISPATCH_AFTER = timedelta(minutes=2)


def dispatch_event(event_id: int) -> bool:
    from calls.tasks import process_call_event

    try:
        process_call_event.delay(event_id)
    except Exception:  # the broker is down: the scheduler will send it again
        logger.warning("Could not queue CallEvent %s; it will be re-sent", event_id, exc_info=True)
        return False
    CallEvent.objects.filter(pk=event_id, dispatched_at__isnull=True).update(
        dispatched_at=timezone.now()
    )
    return True


def call_event_consumers() -> list[Callable[[CallEvent], None]]:
    return [import_string(path) for path in settings.CALL_EVENT_CONSUMERS]


def process_event(event_id: int) -> bool:
    """Run every consumer on one event, once; returns False if it was already done.

    The row lock keeps two deliveries of the same message from running consumers
    side by side: the second waits, then finds the event processed. It waits rather
    than skips, because the row is also locked for an instant by ``dispatch_event``
    marking it dispatched, and a worker that skipped it then would leave it to the
    re-dispatch minutes later. Consumers are idempotent, so a crash before
    ``processed_at`` is saved only means they run again.
    """
    with transaction.atomic():
        event = (
            CallEvent.objects.select_for_update()
            .filter(pk=event_id, processed_at__isnull=True)
            .first()
        )
        if event is None:
            return False
        for consumer in call_event_consumers():
            consumer(event)
        event.processed_at = timezone.now()
        event.save(update_fields=["processed_at"])
    return True


def redispatch_stale_events() -> int:
    """Queue again the events whose worker never finished them."""
    cutoff = timezone.now() - REDISPATCH_AFTER
    stale = CallEvent.objects.filter(processed_at__isnull=True).filter(
        dispatched_at__isnull=True
    ) | CallEvent.objects.filter(processed_at__isnull=True, dispatched_at__lt=cutoff)
    count = 0
    for event_id in stale.order_by("pk").values_list("pk", flat=True):
        CallEvent.objects.filter(pk=event_id).update(dispatched_at=None)
        if dispatch_event(event_id):
            count += 1
    return count
