"""Read-only views of relaying, for the call edit panel and the administrators' dashboard.

Nothing here writes: the engine (``syndication.delivery``) owns every change. This
module must not import ``calls.models`` at module level, since the call page's panels
import it while ``calls.models`` is still loading.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from syndication.connectors.base import is_partner_link
from syndication.models import (
    AttemptOutcome,
    Delivery,
    DeliveryAttempt,
    DeliveryState,
    Partner,
    PartnerListing,
)

if TYPE_CHECKING:
    from calls.models import CallPage

PARIS = ZoneInfo("Europe/Paris")
# Deliveries that still have to reach their partner (``blocked_auth`` waits for a person).
BACKLOG_STATES = (
    DeliveryState.PENDING,
    DeliveryState.RETRYING,
    DeliveryState.IN_FLIGHT,
    DeliveryState.BLOCKED_AUTH,
)
# The states ``delivery_retry_now`` accepts: what a person may send again.
RETRYABLE_STATES = (DeliveryState.RETRYING, DeliveryState.FAILED, DeliveryState.BLOCKED_AUTH)
# What the dashboard lists as needing attention.
TROUBLE_STATES = (DeliveryState.FAILED, DeliveryState.BLOCKED_AUTH, DeliveryState.RETRYING)
# A partner's message quoted to editors stays short; the whole of it is in the details.
QUOTE_LENGTH = 300


def paris_moment(value: datetime | None) -> str:
    """A date as editors read it: "3 mars 2026 à 14:05", Paris time whatever the server's."""
    if value is None:
        return ""
    return date_format(timezone.localtime(value, PARIS), "j F Y à H:i")


def _shorten(text: str, length: int = QUOTE_LENGTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def error_in_words(delivery: Delivery | None, partner: Partner | None = None) -> str:
    """The last error as an editor can act on it, without HTTP codes or stack traces.

    ``partner`` adds what holds every delivery of a platform (an auth block, a pause
    after repeated outages) when the delivery itself has no error yet.
    """
    if delivery is None or delivery.state in (DeliveryState.DELIVERED, DeliveryState.SUPERSEDED):
        return ""
    code, raw = delivery.last_status_code, delivery.last_error.strip()
    if code in (401, 403) or delivery.state == DeliveryState.BLOCKED_AUTH:
        return _("La plateforme refuse nos accès : les administrateurs sont prévenus.")
    if code is None and not raw:
        if partner is not None and delivery.state in BACKLOG_STATES:
            return _partner_hold_in_words(partner)
        return ""
    transient = True
    if code == 429:
        words = _("La plateforme limite le nombre d'envois ; nouvel essai automatique")
    elif code is not None and code >= 500:
        words = _("La plateforme partenaire est en panne temporaire")
    elif code is not None and 400 <= code < 500:
        transient = False
        words = _("La plateforme a refusé l'appel : %(message)s") % {
            "message": _shorten(raw) or _("(sans explication)")
        }
    elif code is None and raw.startswith("erreur interne"):
        # The engine's prefix for an exception of our own connector code.
        words = _("Erreur interne du portail lors de l'envoi ; l'équipe technique est prévenue")
    elif code is None:
        words = _("La plateforme ne répond pas")
    else:
        words = _("Réponse inattendue de la plateforme (code %(code)s)") % {"code": code}
    if delivery.state == DeliveryState.RETRYING and delivery.next_attempt_at:
        words += " " + _("(nouvelle tentative prévue le %(moment)s)") % {
            "moment": paris_moment(delivery.next_attempt_at)
        }
    elif delivery.state == DeliveryState.FAILED and transient:
        words += " ; " + _("les tentatives automatiques sont épuisées, relancez l'envoi")
    return words + ("" if words.endswith(".") else ".")


def _partner_hold_in_words(partner: Partner) -> str:
    if partner.is_blocked:
        return _("La plateforme refuse nos accès : les administrateurs sont prévenus.")
    if partner.is_paused():
        return _(
            "Envois vers cette plateforme suspendus après plusieurs pannes, "
            "reprise automatique le %(moment)s."
        ) % {"moment": paris_moment(partner.paused_until)}
    return ""


# --- One call, every partner ------------------------------------------------------------


@dataclass
class PartnerStatus:
    """Where one call stands on one partner, as the call edit panel shows it."""

    partner: Partner
    delivery: Delivery | None
    listing: PartnerListing | None
    opted_out: bool
    error_in_words: str
    raw_error: str
    state_label: str

    @property
    def can_retry(self) -> bool:
        return self.delivery is not None and self.delivery.state in RETRYABLE_STATES

    @property
    def remote_url(self) -> str:
        """The call's page on the partner, only while the partner shows it.

        Checked again here: a link stored before the connectors checked them is not shown
        unless it is an http(s) address on the partner's host.
        """
        listing = self.listing
        if not listing or not listing.present or not listing.remote_url:
            return ""
        return (
            listing.remote_url if is_partner_link(listing.remote_url, self.partner.base_url) else ""
        )


def latest_deliveries(call_id: str) -> dict[int, Delivery]:
    """The delivery that matters per partner: the latest by (version, created_at)."""
    deliveries = (
        Delivery.objects.filter(call_id=call_id)
        .select_related("partner")
        .order_by("partner_id", "-version", "-created_at", "-pk")
        .distinct("partner_id")
    )
    return {delivery.partner_id: delivery for delivery in deliveries}


def _state_label(
    call: CallPage, partner: Partner, delivery: Delivery | None, opted_out: bool
) -> str:
    if not call.call_id:
        return _("pas encore publié")
    if opted_out:
        label = _("non relayé : exclu par l'organisation")
    elif not partner.enabled:
        label = _("plateforme désactivée")
    elif delivery is None:
        return _("pas encore relayé")
    else:
        return _delivery_label(delivery)
    if delivery is not None and delivery.state != DeliveryState.SUPERSEDED:
        label += f" ({_delivery_label(delivery)})"
    return label


def _delivery_label(delivery: Delivery) -> str:
    if delivery.state == DeliveryState.DELIVERED and delivery.withdraws:
        return _("Retiré de la plateforme")
    return str(delivery.get_state_display())


def call_partner_statuses(call: CallPage) -> list[PartnerStatus]:
    """Every partner, with the call's latest delivery and listing there (four queries)."""
    partners = list(Partner.objects.all())
    opted_out = {partner.pk for partner in call.syndication_opt_outs.all()} if call.pk else set()
    deliveries: dict[int, Delivery] = {}
    listings: dict[int, PartnerListing] = {}
    if call.call_id:
        deliveries = latest_deliveries(call.call_id)
        listings = {
            listing.partner_id: listing
            for listing in PartnerListing.objects.filter(call_id=call.call_id)
        }
    statuses = []
    for partner in partners:
        delivery = deliveries.get(partner.pk)
        excluded = partner.pk in opted_out
        statuses.append(
            PartnerStatus(
                partner=partner,
                delivery=delivery,
                listing=listings.get(partner.pk),
                opted_out=excluded,
                error_in_words=error_in_words(delivery, partner),
                raw_error=delivery.last_error if delivery else "",
                state_label=_state_label(call, partner, delivery, excluded),
            )
        )
    return statuses


# --- Every partner, for administrators --------------------------------------------------


@dataclass
class PartnerSummary:
    """How relaying to one partner goes: its state, its backlog, its last 24 hours."""

    partner: Partner
    enabled: bool
    configured: bool
    blocked_at: datetime | None
    blocked_reason: str
    paused_until: datetime | None
    backlog: int
    failed: int
    oldest_pending: datetime | None
    success_rate: float | None
    delivered_24h: int
    attempts_24h: int
    now: datetime

    @property
    def paused(self) -> bool:
        return self.paused_until is not None and self.paused_until > self.now

    @property
    def can_resume(self) -> bool:
        return self.blocked_at is not None or self.paused

    @property
    def success_percent(self) -> int | None:
        return None if self.success_rate is None else round(self.success_rate * 100)


def partner_summaries(now: datetime | None = None) -> list[PartnerSummary]:
    """One summary per partner, in two queries whatever the number of deliveries."""
    now = now or timezone.now()
    since = now - timedelta(hours=24)
    in_backlog = Q(deliveries__state__in=BACKLOG_STATES)
    partners = Partner.objects.annotate(
        backlog=Count("deliveries", filter=in_backlog),
        failed=Count("deliveries", filter=Q(deliveries__state=DeliveryState.FAILED)),
        oldest_pending=Min("deliveries__created_at", filter=in_backlog),
        delivered_24h=Count(
            "deliveries",
            filter=Q(
                deliveries__state=DeliveryState.DELIVERED, deliveries__delivered_at__gte=since
            ),
        ),
    )
    attempts: dict[int, dict[str, Any]] = {
        row["delivery__partner_id"]: row
        for row in DeliveryAttempt.objects.filter(started_at__gte=since)
        .values("delivery__partner_id")
        .annotate(
            total=Count("pk"), delivered=Count("pk", filter=Q(outcome=AttemptOutcome.DELIVERED))
        )
        .order_by()
    }
    summaries = []
    for partner in partners:
        counts = attempts.get(partner.pk, {"total": 0, "delivered": 0})
        summaries.append(
            PartnerSummary(
                partner=partner,
                enabled=partner.enabled,
                configured=partner.kind in settings.SYNDICATION_PARTNERS,
                blocked_at=partner.blocked_at,
                blocked_reason=partner.blocked_reason,
                paused_until=partner.paused_until,
                backlog=partner.backlog,
                failed=partner.failed,
                oldest_pending=partner.oldest_pending,
                success_rate=(counts["delivered"] / counts["total"] if counts["total"] else None),
                delivered_24h=partner.delivered_24h,
                attempts_24h=counts["total"],
                now=now,
            )
        )
    return summaries


def troubled_deliveries(limit: int = 50) -> QuerySet[Delivery]:
    """The latest deliveries that failed or are waiting for another try or for a person."""
    return (
        Delivery.objects.filter(state__in=TROUBLE_STATES)
        .select_related("partner")
        .order_by("-created_at", "-pk")[:limit]
    )
