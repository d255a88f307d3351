"""A call's life: its status, its number and version, and the events it records.

Everything that changes what partners and the search index must know goes through
``record_call_state``: it compares the call as it is now with the last event it
recorded and, if a relayed field or the status changed, records the next event in
the caller's transaction. The CMS signal handlers, the editors' close/withdraw
actions and the scheduler all call it, so there is one rule for "what changed".
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from calls.constants import CallStatus
from calls.models import CallEvent, CallIdSequence, CallPage
from calls.models.events import CallEventKind
from calls.snapshots import call_snapshot, relayed_part

logger = logging.getLogger(__name__)


class CallActionError(Exception):
    """A lifecycle action that the call's state does not allow; the message is French."""


def compute_status(call: CallPage, now: datetime | None = None) -> str:
    now = now or timezone.now()
    if call.withdrawn_at:
        return CallStatus.WITHDRAWN
    if call.closed_early_at or now >= call.closes_at:
        return CallStatus.CLOSED
    if now < call.opens_at:
        return CallStatus.UPCOMING
    return CallStatus.OPEN


def next_call_id(year: int) -> str:
    """Hand out the next ``AMP-<year>-<n>``; the row lock makes numbers unique and final."""
    sequence, _ = CallIdSequence.objects.select_for_update().get_or_create(year=year)
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    return f"{settings.CALL_ID_PREFIX}-{year}-{sequence.last_value:04d}"


def _decide_event_kind(
    call: CallPage, last: CallEvent | None, status: str, snapshot: dict
) -> str | None:
    visible = call.live and status != CallStatus.WITHDRAWN
    if last is None or last.kind == CallEventKind.WITHDRAWN:
        return CallEventKind.PUBLISHED if visible else None
    if not visible:
        return CallEventKind.WITHDRAWN
    if status == CallStatus.CLOSED and last.snapshot.get("status") != CallStatus.CLOSED:
        return CallEventKind.CLOSED
    if relayed_part(snapshot) != relayed_part(last.snapshot):
        return CallEventKind.UPDATED
    return None


@transaction.atomic
def record_call_state(page_id: int, now: datetime | None = None) -> CallEvent | None:
    """Record the event that brings the last recorded state up to date, if any.

    Locks the call's row so that concurrent publishers and the scheduler take turns;
    the event is dispatched to the worker only once the transaction commits.
    """
    now = now or timezone.now()
    call = CallPage.objects.select_for_update().filter(pk=page_id).first()
    if call is None:
        return None
    last = CallEvent.objects.filter(page_id=page_id).order_by("-version").first()
    status = compute_status(call, now) if call.live else CallStatus.WITHDRAWN
    snapshot = call_snapshot(call, status)
    kind = _decide_event_kind(call, last, status, snapshot)
    if kind is None:
        if call.status != status:
            CallPage.objects.filter(pk=call.pk).update(status=status)
        return None

    if not call.call_id:
        call.call_id = last.call_id if last else next_call_id(timezone.localtime(now).year)
    call.version += 1
    call.status = status
    CallPage.objects.filter(pk=call.pk).update(
        call_id=call.call_id, version=call.version, status=status
    )
    snapshot.update(
        call_id=call.call_id,
        version=call.version,
        updated_at=now.isoformat(),
    )
    event = CallEvent.objects.create(
        call_id=call.call_id,
        page=call,
        kind=kind,
        version=call.version,
        snapshot=snapshot,
        occurred_at=now,
    )
    _dispatch_on_commit(event)
    logger.info("Recorded %s", event)
    return event


@transaction.atomic
def record_call_deleted(call: CallPage, now: datetime | None = None) -> CallEvent | None:
    """A numbered call that is deleted is withdrawn from every consumer."""
    if not call.call_id:
        return None
    now = now or timezone.now()
    last = CallEvent.objects.filter(call_id=call.call_id).order_by("-version").first()
    if last is None or last.kind == CallEventKind.WITHDRAWN:
        return None
    version = last.version + 1
    snapshot = {
        **last.snapshot,
        "version": version,
        "status": CallStatus.WITHDRAWN,
        "updated_at": now.isoformat(),
    }
    event = CallEvent.objects.create(
        call_id=call.call_id,
        page=None,
        kind=CallEventKind.WITHDRAWN,
        version=version,
        snapshot=snapshot,
        occurred_at=now,
    )
    _dispatch_on_commit(event)
    return event


def _dispatch_on_commit(event: CallEvent) -> None:
    from calls.dispatch import dispatch_event

    event_id = event.pk
    transaction.on_commit(lambda: dispatch_event(event_id))


@transaction.atomic
def call_close(call: CallPage, *, reason: str, now: datetime | None = None) -> CallEvent | None:
    """Close a call before its deadline; applications stop at once."""
    now = now or timezone.now()
    call = CallPage.objects.select_for_update().get(pk=call.pk)
    status = compute_status(call, now)
    if not call.live:
        raise CallActionError("Seul un appel publié peut être clôturé.")
    if status in (CallStatus.CLOSED, CallStatus.WITHDRAWN):
        raise CallActionError("Cet appel est déjà clôturé ou retiré.")
    if not reason.strip():
        raise CallActionError("Indiquez le motif de la clôture.")
    CallPage.objects.filter(pk=call.pk).update(closed_early_at=now, closure_reason=reason.strip())
    return record_call_state(call.pk, now)


@transaction.atomic
def call_withdraw(call: CallPage, *, reason: str, now: datetime | None = None) -> CallEvent | None:
    """Cancel a call: it leaves the listings and every partner platform."""
    now = now or timezone.now()
    call = CallPage.objects.select_for_update().get(pk=call.pk)
    if call.withdrawn_at:
        raise CallActionError("Cet appel est déjà retiré.")
    if not reason.strip():
        raise CallActionError("Indiquez le motif du retrait.")
    CallPage.objects.filter(pk=call.pk).update(withdrawn_at=now, withdrawal_reason=reason.strip())
    return record_call_state(call.pk, now)


def reconcile_call_states(now: datetime | None = None, *, full: bool = False) -> list[CallEvent]:
    """Bring recorded states in line with the calls' dates and the page tree.

    Run by the scheduler: it is what opens and closes calls at ``opens_at`` and
    ``closes_at``. The quick pass looks only at calls whose recorded status is out
    of date; ``full=True`` re-checks every numbered or live call, which also repairs
    a change whose event was never recorded.
    """
    now = now or timezone.now()
    live = CallPage.objects.filter(live=True)
    if full:
        candidates = live | CallPage.objects.filter(call_id__isnull=False)
    else:
        candidates = (
            live.open(now).exclude(status=CallStatus.OPEN)
            | live.upcoming(now).exclude(status=CallStatus.UPCOMING)
            | live.closed(now).exclude(status=CallStatus.CLOSED)
            | live.withdrawn().exclude(status=CallStatus.WITHDRAWN)
            | CallPage.objects.filter(live=False, call_id__isnull=False).exclude(
                status=CallStatus.WITHDRAWN
            )
        )
    events = []
    for page_id in candidates.order_by().values_list("pk", flat=True).distinct():
        event = record_call_state(page_id, now)
        if event is not None:
            events.append(event)
    return events
