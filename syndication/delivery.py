"""The delivery engine: every call state reaches every enabled partner, once, in order.

Rows, not broker messages, hold the truth. A delivery is planned in the transaction
that processes its ``CallEvent``; a task then claims it (``pending``/``retrying`` →
``in_flight`` under a lease), the connector talks to the partner outside any
transaction, and the outcome is recorded (``delivered``, ``retrying`` at
``next_attempt_at``, ``failed`` or ``blocked_auth``). The poller, driven by beat,
dispatches what is due and takes back what a dead worker held, so a lost message or a
killed worker delays a delivery but never loses it.

Per call × partner (a lane, locked through its ``PartnerListing`` row) at most one
delivery is in flight, and a newer version supersedes any older one that has not
been sent: the partner ends with the latest state and never sees an older version
after a newer one.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from calls.models import CallEvent
from syndication import alerts
from syndication.connectors.base import DeliveryJob, Outcome
from syndication.models import (
    ACTIVE_STATES,
    AttemptOutcome,
    ConnectorKind,
    Delivery,
    DeliveryAttempt,
    DeliveryReason,
    DeliveryState,
    Partner,
    PartnerListing,
)

logger = logging.getLogger(__name__)

# Partners whose records carry their own ids and need an Idempotency-Key to create.
KEYED_CREATION = {ConnectorKind.PACTEPME}
ERROR_LENGTH = 2000


def ready_partners(now: datetime | None = None):
    """Partners that may be sent to now: enabled, configured, not blocked, not paused."""
    now = now or timezone.now()
    return Partner.objects.filter(
        enabled=True, kind__in=list(settings.SYNDICATION_PARTNERS), blocked_at__isnull=True
    ).filter(Q(paused_until__isnull=True) | Q(paused_until__lte=now))


# --- Planning ------------------------------------------------------------------------


def plan_event_deliveries(event: CallEvent) -> list[Delivery]:
    """``CallEvent`` consumer: one delivery per enabled partner; idempotent."""
    partners = Partner.objects.filter(enabled=True, kind__in=list(settings.SYNDICATION_PARTNERS))
    planned = [
        delivery
        for partner in partners
        if (
            delivery := plan_delivery(
                partner,
                call_id=event.call_id,
                version=event.version,
                event_kind=event.kind,
                snapshot=event.snapshot,
                reason=DeliveryReason.EVENT,
                event=event,
            )
        )
    ]
    dispatch_on_commit([d.pk for d in planned])
    return planned


@transaction.atomic
def plan_delivery(
    partner: Partner,
    *,
    call_id: str,
    version: int,
    event_kind: str,
    snapshot: dict,
    reason: str,
    event: CallEvent | None = None,
) -> Delivery | None:
    listing, _ = PartnerListing.objects.get_or_create(partner=partner, call_id=call_id)
    listing = PartnerListing.objects.select_for_update().get(pk=listing.pk)
    if (
        reason == DeliveryReason.EVENT
        and Delivery.objects.filter(partner=partner, event=event, reason=reason).exists()
    ):
        return None
    delivery = Delivery(
        listing=listing,
        partner=partner,
        call_id=call_id,
        event=event,
        reason=reason,
        event_kind=event_kind,
        version=version,
        snapshot=snapshot,
        next_attempt_at=timezone.now(),
    )
    busy = Delivery.objects.filter(
        listing=listing, state__in=(*ACTIVE_STATES, DeliveryState.IN_FLIGHT)
    ).exists()
    if delivery.withdraws and not (listing.present or listing.create_key or busy):
        return None  # never was on the partner: nothing to withdraw
    Delivery.objects.filter(listing=listing, state__in=ACTIVE_STATES, version__lte=version).update(
        state=DeliveryState.SUPERSEDED, next_attempt_at=None
    )
    delivery.save()
    return delivery


# --- Dispatching -------------------------------------------------------------------


def delivery_queue(kind: str) -> str:
    """Each partner has its queue, so a rate-limited partner never holds up the others."""
    return f"{settings.CELERY_TASK_DEFAULT_QUEUE}.syndication.{kind}"


def dispatch(delivery_ids: Iterable[int]) -> int:
    """Queue a task per delivery; a message the broker loses is queued again by the poller."""
    from syndication.tasks import deliver

    sent = 0
    for delivery_id, kind in Delivery.objects.filter(pk__in=list(delivery_ids)).values_list(
        "pk", "partner__kind"
    ):
        try:
            deliver.apply_async((delivery_id,), queue=delivery_queue(kind))
        except Exception:  # broker down: the poller dispatches it later
            logger.warning("Could not queue delivery %s", delivery_id, exc_info=True)
            continue
        Delivery.objects.filter(pk=delivery_id).update(dispatched_at=timezone.now())
        sent += 1
    return sent


def dispatch_on_commit(delivery_ids: list[int]) -> None:
    if delivery_ids:
        transaction.on_commit(lambda: dispatch(delivery_ids))


def poll_deliveries(now: datetime | None = None, limit: int = 500) -> list[int]:
    """Take back deliveries whose worker died, and dispatch every delivery that is due."""
    now = now or timezone.now()
    with transaction.atomic():
        expired = Delivery.objects.select_for_update(skip_locked=True).filter(
            state=DeliveryState.IN_FLIGHT, lease_until__lt=now
        )
        for delivery in expired:
            DeliveryAttempt.objects.create(
                delivery=delivery,
                started_at=delivery.last_attempt_at or now,
                outcome=AttemptOutcome.LOST,
                error="Le worker s'est arrêté pendant l'envoi ; il est repris.",
            )
            Delivery.objects.filter(pk=delivery.pk).update(
                state=DeliveryState.RETRYING,
                next_attempt_at=now,
                dispatched_at=None,
                lease_until=None,
                claimed_by="",
            )
        cutoff = now - timedelta(seconds=settings.SYNDICATION_REDISPATCH_AFTER)
        due = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(
                state__in=(DeliveryState.PENDING, DeliveryState.RETRYING),
                next_attempt_at__lte=now,
                partner__in=ready_partners(now),
            )
            .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=cutoff))
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
    dispatch(due)
    return due


# --- Claiming and delivering ---------------------------------------------------------


@dataclass
class Claim:
    delivery: Delivery
    job: DeliveryJob


def _release(delivery: Delivery) -> None:
    """Not claimable now: leave it to the poller (or to the lane's next dispatch)."""
    Delivery.objects.filter(pk=delivery.pk).update(dispatched_at=None)


@transaction.atomic
def claim(delivery_id: int, claimer: str, now: datetime | None = None) -> Claim | None:
    now = now or timezone.now()
    lane = Delivery.objects.filter(pk=delivery_id).values_list("listing_id", flat=True).first()
    if lane is None:
        return None
    listing = PartnerListing.objects.select_for_update().get(pk=lane)
    delivery = Delivery.objects.select_related("partner").get(pk=delivery_id)
    partner = delivery.partner
    redelivered = (
        delivery.state == DeliveryState.IN_FLIGHT and claimer and (delivery.claimed_by == claimer)
    )
    if delivery.state not in (DeliveryState.PENDING, DeliveryState.RETRYING) and not redelivered:
        return None
    not_due = delivery.next_attempt_at and delivery.next_attempt_at > now
    if not_due or not ready_partners(now).filter(pk=partner.pk).exists():
        _release(delivery)
        return None
    in_flight = Delivery.objects.filter(
        listing=listing, state=DeliveryState.IN_FLIGHT, lease_until__gt=now
    ).exclude(pk=delivery.pk)
    if in_flight.exists():
        _release(delivery)  # the one in flight dispatches the lane's next when it ends
        return None
    newer = Delivery.objects.filter(listing=listing, version__gt=delivery.version).exclude(
        state=DeliveryState.SUPERSEDED
    )
    if newer.exists() or delivery.version < listing.delivered_version:
        Delivery.objects.filter(pk=delivery.pk).update(
            state=DeliveryState.SUPERSEDED, next_attempt_at=None
        )
        return None

    key_reused = bool(listing.create_key)
    if partner.kind in KEYED_CREATION and not listing.remote_id and not listing.create_key:
        # Stored before the first try, so that a retry after a crash reuses it.
        listing.create_key = f"{listing.call_id}-{uuid.uuid4()}"
        listing.save(update_fields=["create_key", "updated_at"])
    if redelivered:
        _record_attempt(delivery, Outcome(AttemptOutcome.LOST, error="Envoi repris."), now, 0)
    delivery.state = DeliveryState.IN_FLIGHT
    delivery.attempt_count += 1
    delivery.lease_until = now + timedelta(seconds=settings.SYNDICATION_LEASE_SECONDS)
    delivery.claimed_by = claimer
    delivery.first_attempt_at = delivery.first_attempt_at or now
    delivery.last_attempt_at = now
    delivery.save(
        update_fields=[
            "state",
            "attempt_count",
            "lease_until",
            "claimed_by",
            "first_attempt_at",
            "last_attempt_at",
        ]
    )
    job = DeliveryJob(
        call_id=delivery.call_id,
        version=delivery.version,
        snapshot=delivery.snapshot,
        withdraw=delivery.withdraws,
        message_id=str(delivery.message_id),
        remote_id=listing.remote_id,
        create_key=listing.create_key,
        create_key_reused=key_reused,
    )
    return Claim(delivery, job)


def run_delivery(delivery_id: int, claimer: str = "") -> str | None:
    """Claim, send, record; returns the delivery's new state, or None if not claimed."""
    from syndication.partners import connector_for

    claimer = claimer or f"direct-{uuid.uuid4()}"
    claimed = claim(delivery_id, claimer)
    if claimed is None:
        return None
    started_at, start = timezone.now(), time.monotonic()
    try:
        outcome = connector_for(claimed.delivery.partner).deliver(claimed.job)
    except Exception as error:  # a bug of ours: retried and shown, never lost
        logger.exception("Connector failed on delivery %s", delivery_id)
        outcome = Outcome(AttemptOutcome.TRANSIENT, error=f"erreur interne : {error!r}"[:300])
    duration_ms = int((time.monotonic() - start) * 1000)
    state = record_outcome(delivery_id, claimer, outcome, started_at, duration_ms)
    dispatch_lane(claimed.delivery.listing_id)
    return state


def retry_delay(attempt_count: int, retry_after: float | None = None) -> float:
    """Full jitter over the step of the schedule, and never sooner than ``Retry-After``."""
    schedule = settings.SYNDICATION_RETRY_SCHEDULE
    step = schedule[min(attempt_count, len(schedule) - 1)]
    return max(random.uniform(0, step), retry_after or 0)  # noqa: S311 (jitter, not crypto)


def _record_attempt(delivery: Delivery, outcome: Outcome, started_at, duration_ms: int) -> None:
    DeliveryAttempt.objects.create(
        delivery=delivery,
        started_at=started_at,
        duration_ms=duration_ms,
        status_code=outcome.status_code,
        outcome=outcome.kind,
        requests="\n".join(outcome.requests),
        error=outcome.error[:ERROR_LENGTH],
    )


def _update_listing(listing: PartnerListing, outcome: Outcome, delivery: Delivery) -> None:
    for name in ("remote_id", "remote_url", "present", "create_key"):
        value = getattr(outcome, name)
        if value is not None:
            setattr(listing, name, value)
    if listing.remote_id:
        listing.create_key = ""  # the partner's id is known: the creation is over
    if outcome.kind == AttemptOutcome.DELIVERED:
        listing.delivered_version = max(listing.delivered_version, delivery.version)
    listing.save()


def record_outcome(
    delivery_id: int, claimer: str, outcome: Outcome, started_at: datetime, duration_ms: int
) -> str:
    alert = None
    with transaction.atomic():
        lane = Delivery.objects.values_list("listing_id", flat=True).get(pk=delivery_id)
        listing = PartnerListing.objects.select_for_update().get(pk=lane)
        delivery = Delivery.objects.select_related("partner").get(pk=delivery_id)
        _record_attempt(delivery, outcome, started_at, duration_ms)
        _update_listing(listing, outcome, delivery)
        if delivery.state != DeliveryState.IN_FLIGHT or delivery.claimed_by != claimer:
            # Our lease ran out and the delivery was taken back: the attempt is on
            # record, its state belongs to whoever holds it now.
            return delivery.state
        now = timezone.now()
        delivery.lease_until, delivery.claimed_by = None, ""
        delivery.last_status_code = outcome.status_code
        delivery.last_error = "" if outcome.kind == AttemptOutcome.DELIVERED else outcome.error
        partner = delivery.partner
        if outcome.kind == AttemptOutcome.DELIVERED:
            delivery.state, delivery.delivered_at = DeliveryState.DELIVERED, now
            delivery.next_attempt_at = None
            if partner.consecutive_failures or partner.paused_until:
                Partner.objects.filter(pk=partner.pk).update(
                    consecutive_failures=0, paused_until=None
                )
        elif outcome.kind == AttemptOutcome.TRANSIENT:
            _trip_breaker(partner, now)
            if _gives_up(delivery, now):
                delivery.state = DeliveryState.FAILED
                delivery.next_attempt_at = None
                alert = lambda: alerts.alert_delivery_failed(delivery)  # noqa: E731
            else:
                delivery.state = DeliveryState.RETRYING
                delay = retry_delay(delivery.attempt_count, outcome.retry_after)
                delivery.next_attempt_at = now + timedelta(seconds=delay)
                delivery.dispatched_at = None
        elif outcome.kind == AttemptOutcome.AUTH:
            delivery.state, delivery.next_attempt_at = DeliveryState.BLOCKED_AUTH, None
            newly_blocked = Partner.objects.filter(pk=partner.pk, blocked_at__isnull=True).update(
                blocked_at=now, blocked_reason=outcome.error[:ERROR_LENGTH]
            )
            if newly_blocked:
                alert = lambda: alerts.alert_partner_blocked(partner, outcome.error)  # noqa: E731
        else:
            delivery.state, delivery.next_attempt_at = DeliveryState.FAILED, None
            alert = lambda: alerts.alert_delivery_failed(delivery)  # noqa: E731
        delivery.save()
        if alert:
            transaction.on_commit(alert)
    return delivery.state


def _gives_up(delivery: Delivery, now: datetime) -> bool:
    """After the whole schedule, and about three days, a transient failure is final."""
    elapsed = (now - (delivery.first_attempt_at or now)).total_seconds()
    return (
        delivery.attempt_count >= len(settings.SYNDICATION_RETRY_SCHEDULE)
        and elapsed >= settings.SYNDICATION_GIVE_UP_AFTER
    )


def _trip_breaker(partner: Partner, now: datetime) -> None:
    """Count a failure; past the threshold, pause the partner's lanes for a cool-down."""
    Partner.objects.filter(pk=partner.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    failures = Partner.objects.values_list("consecutive_failures", flat=True).get(pk=partner.pk)
    over = failures - settings.SYNDICATION_BREAKER_THRESHOLD
    if over >= 0:
        cooldown = min(
            settings.SYNDICATION_BREAKER_COOLDOWN * 2 ** min(over, 16),
            settings.SYNDICATION_BREAKER_MAX_COOLDOWN,
        )
        Partner.objects.filter(pk=partner.pk).update(paused_until=now + timedelta(seconds=cooldown))


def dispatch_lane(listing_id: int) -> None:
    """After a delivery ends, send the lane's next one at once rather than at the next poll."""
    waiting = Delivery.objects.filter(
        listing_id=listing_id,
        state__in=(DeliveryState.PENDING, DeliveryState.RETRYING),
        next_attempt_at__lte=timezone.now(),
    ).values_list("pk", flat=True)
    dispatch(list(waiting))


# --- Actions of people ---------------------------------------------------------------


@transaction.atomic
def delivery_retry_now(delivery: Delivery) -> bool:
    """Editors' "retry now": only the lane's latest delivery may go again."""
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.state not in (
        DeliveryState.RETRYING,
        DeliveryState.FAILED,
        DeliveryState.BLOCKED_AUTH,
    ):
        return False
    newer = Delivery.objects.filter(listing=delivery.listing_id, version__gt=delivery.version)
    if newer.exclude(state=DeliveryState.SUPERSEDED).exists():
        return False
    if delivery.state == DeliveryState.FAILED:
        delivery.first_attempt_at = None  # a new round of the schedule
    delivery.state = DeliveryState.RETRYING
    delivery.next_attempt_at = timezone.now()
    delivery.dispatched_at = None
    delivery.save()
    dispatch_on_commit([delivery.pk])
    return True


@transaction.atomic
def partner_resume(partner: Partner) -> int:
    """Lift an auth block (or a pause): held deliveries go again at once."""
    Partner.objects.filter(pk=partner.pk).update(
        blocked_at=None, blocked_reason="", consecutive_failures=0, paused_until=None
    )
    held = Delivery.objects.filter(partner=partner, state=DeliveryState.BLOCKED_AUTH)
    ids = list(held.values_list("pk", flat=True))
    held.update(state=DeliveryState.RETRYING, next_attempt_at=timezone.now(), dispatched_at=None)
    pending = Delivery.objects.filter(
        partner=partner, state__in=(DeliveryState.PENDING, DeliveryState.RETRYING)
    ).values_list("pk", flat=True)
    dispatch_on_commit(sorted(set(ids) | set(pending)))
    return len(ids)


def resync(
    partner: Partner, *, call_ids: list[str] | None = None, since: datetime | None = None
) -> Iterable[Delivery | None]:
    """Plan a delivery of each call's latest state to ``partner``; yields as it goes.

    For a partner added later, or after an outage the partner lost data in. A call
    whose latest state is a withdrawal is sent only if the partner may still hold it.
    """
    latest_version = (
        CallEvent.objects.filter(call_id=OuterRef("call_id"))
        .order_by("-version")
        .values("version")[:1]
    )
    events = CallEvent.objects.filter(version=Subquery(latest_version)).order_by("call_id")
    if call_ids:
        events = events.filter(call_id__in=call_ids)
    if since:
        events = events.filter(occurred_at__gte=since)
    for event in events.iterator():
        delivery = plan_delivery(
            partner,
            call_id=event.call_id,
            version=event.version,
            event_kind=event.kind,
            snapshot=event.snapshot,
            reason=DeliveryReason.RESYNC,
            event=event,
        )
        if delivery:
            dispatch_on_commit([delivery.pk])
        yield delivery


def prune_history(now: datetime | None = None) -> tuple[int, int]:
    """Forget what no one needs any more: attempts and superseded deliveries, after a while.

    A lane's latest delivery is kept (its row says where the call stands); only the
    detail of its old attempts goes. Returns (attempts, deliveries) deleted.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.SYNDICATION_HISTORY_DAYS)
    settled = (DeliveryState.DELIVERED, DeliveryState.SUPERSEDED, DeliveryState.FAILED)
    attempts, _ = DeliveryAttempt.objects.filter(
        started_at__lt=cutoff, delivery__state__in=settled
    ).delete()
    deliveries, _ = Delivery.objects.filter(
        state=DeliveryState.SUPERSEDED, created_at__lt=cutoff
    ).delete()
    return attempts, deliveries
