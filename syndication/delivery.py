"""The delivery engine: every call state reaches every enabled partner, once, in order.

Rows, not broker messages, hold the truth. A delivery is planned in the transaction
that processes its ``CallEvent``; a task then claims it (``pending``/``retrying`` →
``in_flight`` under a lease), the connector talks to the partner outside any
transaction, and the outcome is recorded (``delivered``, ``retrying`` at
``next_attempt_at``, ``failed`` or ``blocked_auth``). Tasks carry batches of one
partner's deliveries, claimed in one transaction, sent over kept-alive connections
and recorded in one transaction: what costs the most (a task, a commit) is paid per
batch, not per delivery. The poller, driven by beat,
dispatches what is due and takes back what a dead worker held, so a lost message or a
killed worker delays a delivery but never loses it.

Per call × partner (a lane, locked through its ``PartnerListing`` row) at most one
delivery is in flight, and a newer version supersedes any older one that has not
been sent: the partner ends with the latest state and never sees an older version
after a newer one.
"""

from __future__ import annotations

import logging
import os
import random
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from calls.models import CallEvent
from syndication import alerts
from syndication.bulk import update_rows
from syndication.connectors.base import Connector, DeliveryJob, Outcome
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
# Deliveries per task message (settings may override): a task, a claim and a record
# cost about as much for fifty deliveries as for one.
DEFAULT_BATCH_SIZE = 50
# Requests a worker process sends side by side to an unthrottled partner.
DEFAULT_SEND_THREADS = 4


def batch_size() -> int:
    return getattr(settings, "SYNDICATION_BATCH_SIZE", DEFAULT_BATCH_SIZE)


def send_threads() -> int:
    return getattr(settings, "SYNDICATION_SEND_THREADS", DEFAULT_SEND_THREADS)


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
    """Queue the deliveries as batch tasks, one partner's per message, up to a batch each.

    A message the broker loses is queued again by the poller; batches keep the cost of
    a task, a claim and a record per batch rather than per delivery.
    """
    from syndication.tasks import deliver_batch

    by_partner: dict[str, list[int]] = {}
    rows = Delivery.objects.filter(pk__in=list(delivery_ids)).order_by("pk")
    for delivery_id, kind in rows.values_list("pk", "partner__kind"):
        by_partner.setdefault(kind, []).append(delivery_id)
    size = batch_size()
    sent = 0
    for kind, ids in by_partner.items():
        for batch in (ids[n : n + size] for n in range(0, len(ids), size)):
            try:
                deliver_batch.apply_async((batch,), queue=delivery_queue(kind))
            except Exception:  # broker down: the poller dispatches them later
                logger.warning("Could not queue deliveries %s", batch, exc_info=True)
                continue
            Delivery.objects.filter(pk__in=batch).update(dispatched_at=timezone.now())
            sent += len(batch)
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


# --- Claiming, sending and recording, a batch at a time ------------------------------
#
# A task carries a batch of one partner's deliveries: one transaction claims them all,
# the requests go out over kept-alive connections, and one transaction records every
# outcome. The guarantees are the ones of a single delivery, checked lane by lane.

#: Fields a claim changes, kept so that a delivery the batch could not send goes back
#: exactly as it was.
CLAIM_FIELDS = ("state", "attempt_count", "first_attempt_at", "last_attempt_at")
#: Fields an outcome changes on the delivery and on its listing.
SETTLED_FIELDS = (
    "state",
    "lease_until",
    "claimed_by",
    "last_status_code",
    "last_error",
    "delivered_at",
    "next_attempt_at",
    "dispatched_at",
)
LISTING_FIELDS = ("remote_id", "remote_url", "present", "create_key", "delivered_version")
#: Never start a request that could still be running when the lease runs out.
LEASE_MARGIN_SECONDS = 1.0


@dataclass
class Claim:
    """A delivery held under this worker's lease, and the job its connector is given."""

    delivery: Delivery
    job: DeliveryJob
    previous: dict[str, Any] = field(default_factory=dict)


@dataclass
class Sent:
    """What one request (or exchange) with the partner gave, to be recorded."""

    claim: Claim
    outcome: Outcome
    started_at: datetime
    duration_ms: int


def _claimable(claimer: str) -> Q:
    """Waiting deliveries, and ours again when the broker hands our message back."""
    waiting = Q(state__in=(DeliveryState.PENDING, DeliveryState.RETRYING))
    if claimer:
        return waiting | Q(state=DeliveryState.IN_FLIGHT, claimed_by=claimer)
    return waiting


def claim_batch(
    delivery_ids: Sequence[int], claimer: str, now: datetime | None = None
) -> list[Claim]:
    """Claim, in one transaction, those of ``delivery_ids`` that may go now.

    Lanes are locked with SKIP LOCKED: a lane held by another transaction (a plan, a
    claim or a record) is left to the poller or to the dispatch that follows the
    delivery in flight there, so a batch never queues behind another. A delivery is
    released (not due, partner not ready, its lane busy), superseded (a newer version
    exists or was accepted) or claimed, at most one per lane.
    """
    now = now or timezone.now()
    with transaction.atomic():
        wanted = Delivery.objects.filter(pk__in=list(delivery_ids)).filter(_claimable(claimer))
        lanes = {
            listing.pk: listing
            for listing in PartnerListing.objects.select_for_update(skip_locked=True)
            .filter(pk__in=wanted.values("listing_id"))
            .order_by("pk")
        }
        candidates = list(wanted.select_related("partner").order_by("-version", "pk"))
        elsewhere = [d.pk for d in candidates if d.listing_id not in lanes]
        candidates = [d for d in candidates if d.listing_id in lanes]
        chosen, released, superseded = _sort_candidates(candidates, lanes, now)
        if released:
            _release(released)
        if superseded:
            Delivery.objects.filter(pk__in=superseded).update(
                state=DeliveryState.SUPERSEDED, next_attempt_at=None
            )
        claims = _take(chosen, lanes, claimer, now)
    if elsewhere:
        # Released only now: their rows belong to whoever holds their lanes, and
        # waiting for them while holding ours could deadlock.
        _release(elsewhere)
    return claims


def _release(delivery_ids: list[int]) -> None:
    """Not claimable now: leave them to the poller (or to their lane's next dispatch)."""
    Delivery.objects.filter(
        pk__in=delivery_ids, state__in=(DeliveryState.PENDING, DeliveryState.RETRYING)
    ).update(dispatched_at=None)


def _sort_candidates(
    candidates: list[Delivery], lanes: dict[int, PartnerListing], now: datetime
) -> tuple[list[Delivery], list[int], list[int]]:
    """Split locked candidates into (to claim, to release, to supersede), in three queries."""
    if not candidates:
        return [], [], []
    lane_ids = list(lanes)
    ready = set(
        ready_partners(now)
        .filter(pk__in={d.partner_id for d in candidates})
        .values_list("pk", flat=True)
    )
    busy = set(
        Delivery.objects.filter(
            listing_id__in=lane_ids, state=DeliveryState.IN_FLIGHT, lease_until__gt=now
        )
        .exclude(pk__in=[d.pk for d in candidates])
        .values_list("listing_id", flat=True)
    )
    newest = dict(
        Delivery.objects.filter(listing_id__in=lane_ids)
        .exclude(state=DeliveryState.SUPERSEDED)
        .order_by()
        .values("listing_id")
        .annotate(top=Max("version"))
        .values_list("listing_id", "top")
    )
    chosen: list[Delivery] = []
    released: list[int] = []
    superseded: list[int] = []
    taken: set[int] = set()
    for delivery in candidates:  # newest first, so a lane's latest is the one considered
        lane = lanes[delivery.listing_id]
        not_due = delivery.next_attempt_at and delivery.next_attempt_at > now
        if not_due or delivery.partner_id not in ready or lane.pk in busy or lane.pk in taken:
            # The delivery in flight dispatches its lane's next when it ends.
            released.append(delivery.pk)
        elif newest.get(lane.pk, 0) > delivery.version or delivery.version < lane.delivered_version:
            superseded.append(delivery.pk)
        else:
            taken.add(lane.pk)
            chosen.append(delivery)
    return chosen, released, superseded


def _take(
    deliveries: list[Delivery], lanes: dict[int, PartnerListing], claimer: str, now: datetime
) -> list[Claim]:
    """Put the chosen deliveries in flight under one lease (one UPDATE for the batch)."""
    if not deliveries:
        return []
    lease_until = now + timedelta(seconds=settings.SYNDICATION_LEASE_SECONDS)
    # Ours already: the broker redelivered a message whose worker died mid-send.
    DeliveryAttempt.objects.bulk_create(
        _attempt(d, Outcome(AttemptOutcome.LOST, error="Envoi repris."), now, 0)
        for d in deliveries
        if d.state == DeliveryState.IN_FLIGHT
    )
    Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
        state=DeliveryState.IN_FLIGHT,
        attempt_count=F("attempt_count") + 1,
        lease_until=lease_until,
        claimed_by=claimer,
        first_attempt_at=Coalesce("first_attempt_at", Value(now)),
        last_attempt_at=now,
    )
    claims = []
    for delivery in deliveries:
        previous = {name: getattr(delivery, name) for name in CLAIM_FIELDS}
        if delivery.state == DeliveryState.IN_FLIGHT:
            previous["state"] = DeliveryState.RETRYING
        delivery.state = DeliveryState.IN_FLIGHT
        delivery.attempt_count += 1
        delivery.lease_until, delivery.claimed_by = lease_until, claimer
        delivery.first_attempt_at = delivery.first_attempt_at or now
        delivery.last_attempt_at = now
        claims.append(Claim(delivery, _job(delivery, lanes[delivery.listing_id]), previous))
    return claims


def _job(delivery: Delivery, listing: PartnerListing) -> DeliveryJob:
    key_reused = bool(listing.create_key)
    if delivery.partner.kind in KEYED_CREATION and not listing.remote_id and not key_reused:
        # Stored before the first try, so that a retry after a crash reuses it.
        listing.create_key = f"{listing.call_id}-{uuid.uuid4()}"
        listing.save(update_fields=["create_key", "updated_at"])
    return DeliveryJob(
        call_id=delivery.call_id,
        version=delivery.version,
        snapshot=delivery.snapshot,
        withdraw=delivery.withdraws,
        message_id=str(delivery.message_id),
        remote_id=listing.remote_id,
        create_key=listing.create_key,
        create_key_reused=key_reused,
    )


_senders: tuple[int, ThreadPoolExecutor] | None = None


def _sender_pool() -> ThreadPoolExecutor:
    """Threads kept for the life of the (forked) process, so their sessions stay alive."""
    global _senders
    if _senders is None or _senders[0] != os.getpid():
        threads = send_threads()
        _senders = (os.getpid(), ThreadPoolExecutor(threads, thread_name_prefix="syndication"))
    return _senders[1]


def _send_one(connector: Connector | None, claim: Claim, deadline: float) -> Sent | None:
    """One delivery's exchange with the partner; None if the lease is too short for it."""
    if time.monotonic() > deadline:
        return None
    started_at, start = timezone.now(), time.monotonic()
    try:
        if connector is None:
            raise LookupError(f"partner {claim.delivery.partner.kind} is not configured")
        outcome = connector.deliver(claim.job)
    except Exception as error:  # a bug of ours: retried and shown, never lost
        logger.exception("Connector failed on delivery %s", claim.delivery.pk)
        outcome = Outcome(AttemptOutcome.TRANSIENT, error=f"erreur interne : {error!r}"[:300])
    return Sent(claim, outcome, started_at, int((time.monotonic() - start) * 1000))


def send_batch(claims: list[Claim], deadline: float) -> tuple[list[Sent], list[Claim]]:
    """Send one partner's claims; returns what was sent and what the lease left no time for.

    An unthrottled partner gets a few requests at a time over kept-alive connections;
    a rate-limited one gets them in turn (parallel requests would only wait for their
    slot, and its throttle takes a database connection per thread).
    """
    from syndication.partners import connector_for
    from syndication.ratelimit import requests_per_second

    partner = claims[0].delivery.partner
    try:
        connector = connector_for(partner)
    except LookupError:
        connector = None
    if len(claims) > 1 and requests_per_second(partner) is None:
        results = list(_sender_pool().map(lambda c: _send_one(connector, c, deadline), claims))
    else:
        results = [_send_one(connector, claim, deadline) for claim in claims]
    sent = [result for result in results if result is not None]
    unsent = [claim for claim, result in zip(claims, results, strict=True) if result is None]
    return sent, unsent


def give_back(claims: list[Claim], claimer: str) -> None:
    """Return claims that were never sent to their queue, as if untouched."""
    for claim in claims:
        Delivery.objects.filter(
            pk=claim.delivery.pk, state=DeliveryState.IN_FLIGHT, claimed_by=claimer
        ).update(**claim.previous, lease_until=None, claimed_by="", dispatched_at=None)


def run_batch(delivery_ids: Sequence[int], claimer: str = "") -> dict[int, str]:
    """Claim, send, record a batch; returns the new state of each delivery sent."""
    claimer = claimer or f"direct-{uuid.uuid4()}"
    started = time.monotonic()
    claims = claim_batch(delivery_ids, claimer)
    if not claims:
        return {}
    deadline = (
        started
        + settings.SYNDICATION_LEASE_SECONDS
        - settings.SYNDICATION_TOTAL_TIMEOUT
        - LEASE_MARGIN_SECONDS
    )
    by_partner: dict[int, list[Claim]] = {}
    for claim in claims:
        by_partner.setdefault(claim.delivery.partner_id, []).append(claim)
    states: dict[int, str] = {}
    for group in by_partner.values():
        sent, unsent = send_batch(group, deadline)
        give_back(unsent, claimer)
        states |= record_outcomes(sent, claimer)
    dispatch_lanes({claim.delivery.listing_id for claim in claims})
    return states


def run_delivery(delivery_id: int, claimer: str = "") -> str | None:
    """Claim, send, record one delivery; returns its new state, or None if not claimed."""
    return run_batch([delivery_id], claimer).get(delivery_id)


def retry_delay(attempt_count: int, retry_after: float | None = None) -> float:
    """Full jitter over the step of the schedule, and never sooner than ``Retry-After``."""
    schedule = settings.SYNDICATION_RETRY_SCHEDULE
    step = schedule[min(attempt_count, len(schedule) - 1)]
    return max(random.uniform(0, step), retry_after or 0)  # noqa: S311 (jitter, not crypto)


def _attempt(
    delivery: Delivery, outcome: Outcome, started_at: datetime, duration_ms: int
) -> DeliveryAttempt:
    return DeliveryAttempt(
        delivery=delivery,
        started_at=started_at,
        duration_ms=duration_ms,
        status_code=outcome.status_code,
        outcome=outcome.kind,
        requests="\n".join(outcome.requests),
        error=outcome.error[:ERROR_LENGTH],
    )


def _update_listing(listing: PartnerListing, outcome: Outcome, delivery: Delivery) -> None:
    """What the partner told us about the call (its id, link, presence), in memory."""
    for name in ("remote_id", "remote_url", "present", "create_key"):
        value = getattr(outcome, name)
        if value is not None:
            setattr(listing, name, value)
    if listing.remote_id:
        listing.create_key = ""  # the partner's id is known: the creation is over
    if outcome.kind == AttemptOutcome.DELIVERED:
        listing.delivered_version = max(listing.delivered_version, delivery.version)


def record_outcomes(results: list[Sent], claimer: str) -> dict[int, str]:
    """Record a batch's attempts, listings and states in one transaction.

    Lanes are locked in key order (so two batches never deadlock) and the deliveries
    with them; a delivery whose lease ran out and was taken back meanwhile gets its
    attempt on record, but its state belongs to whoever holds it now.
    """
    if not results:
        return {}
    now = timezone.now()
    alerts_after: list[Callable[[], None]] = []
    states: dict[int, str] = {}
    with transaction.atomic():
        lanes = {
            listing.pk: listing
            for listing in PartnerListing.objects.select_for_update()
            .filter(pk__in={r.claim.delivery.listing_id for r in results})
            .order_by("pk")
        }
        current = {
            delivery.pk: delivery
            for delivery in Delivery.objects.select_for_update(of=("self",))
            .select_related("partner")
            .filter(pk__in=[r.claim.delivery.pk for r in results])
            .order_by("pk")
        }
        _reset_breakers(results, current)
        attempts, settled = [], []
        for result in results:
            delivery, outcome = current.get(result.claim.delivery.pk), result.outcome
            if delivery is None:
                continue  # deleted meanwhile (its call's listing went)
            attempts.append(_attempt(delivery, outcome, result.started_at, result.duration_ms))
            _update_listing(lanes[delivery.listing_id], outcome, delivery)
            if delivery.state == DeliveryState.IN_FLIGHT and delivery.claimed_by == claimer:
                if alert := _settle(delivery, outcome, now):
                    alerts_after.append(alert)
                settled.append(delivery)
            states[delivery.pk] = delivery.state
        DeliveryAttempt.objects.bulk_create(attempts)
        for listing in lanes.values():
            listing.updated_at = now
        update_rows(list(lanes.values()), [*LISTING_FIELDS, "updated_at"])
        update_rows(settled, SETTLED_FIELDS)
        for alert in alerts_after:
            transaction.on_commit(alert)
    return states


def _reset_breakers(results: list[Sent], current: dict[int, Delivery]) -> None:
    """A success closes the partner's breaker; the batch's failures then count afresh.

    Requests of a batch run side by side, so their order says nothing: the successes
    are counted first, once per partner.
    """
    partners = {
        delivery.partner
        for result in results
        if result.outcome.kind == AttemptOutcome.DELIVERED
        and (delivery := current.get(result.claim.delivery.pk))
    }
    for partner in partners:
        if partner.consecutive_failures or partner.paused_until:
            Partner.objects.filter(pk=partner.pk).update(consecutive_failures=0, paused_until=None)


def _settle(delivery: Delivery, outcome: Outcome, now: datetime) -> Callable[[], None] | None:
    """Apply an outcome to a delivery we hold (in memory); returns an alert to send, if any."""
    delivery.lease_until, delivery.claimed_by = None, ""
    delivery.last_status_code = outcome.status_code
    delivery.last_error = "" if outcome.kind == AttemptOutcome.DELIVERED else outcome.error
    partner = delivery.partner
    if outcome.kind == AttemptOutcome.DELIVERED:
        delivery.state, delivery.delivered_at = DeliveryState.DELIVERED, now
        delivery.next_attempt_at = None
        return None
    if outcome.kind == AttemptOutcome.TRANSIENT:
        _trip_breaker(partner, now)
        if _gives_up(delivery, now):
            delivery.state, delivery.next_attempt_at = DeliveryState.FAILED, None
            return lambda: alerts.alert_delivery_failed(delivery)
        delivery.state = DeliveryState.RETRYING
        delay = retry_delay(delivery.attempt_count, outcome.retry_after)
        delivery.next_attempt_at = now + timedelta(seconds=delay)
        delivery.dispatched_at = None
        return None
    if outcome.kind == AttemptOutcome.AUTH:
        delivery.state, delivery.next_attempt_at = DeliveryState.BLOCKED_AUTH, None
        newly_blocked = Partner.objects.filter(pk=partner.pk, blocked_at__isnull=True).update(
            blocked_at=now, blocked_reason=outcome.error[:ERROR_LENGTH]
        )
        if newly_blocked:
            return lambda: alerts.alert_partner_blocked(partner, outcome.error)
        return None
    delivery.state, delivery.next_attempt_at = DeliveryState.FAILED, None
    return lambda: alerts.alert_delivery_failed(delivery)


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


def dispatch_lanes(listing_ids: Iterable[int]) -> None:
    """After deliveries end, send what waits in their lanes at once, not at the next poll."""
    waiting = Delivery.objects.filter(
        listing_id__in=list(listing_ids),
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
    planned: list[int] = []
    try:
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
                planned.append(delivery.pk)
            if len(planned) >= batch_size():
                dispatch_on_commit(planned)  # whole batches, not a message per call
                planned = []
            yield delivery
    finally:
        dispatch_on_commit(planned)


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
