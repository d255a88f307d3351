"""Partners, and the deliveries that relay each call to them.

A ``Partner`` is one platform (MBA, Pacte PME); its secrets stay in the environment.
A ``PartnerListing`` is one call as it stands on one partner (the partner's id and
link, the last version it accepted); it is also the lock of that call × partner
lane, so two deliveries of one call to one partner never run side by side.
A ``Delivery`` is one state of a call to bring to one partner, with its attempts.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ConnectorKind(models.TextChoices):
    MBA = "mba", _("MBA (CCI Aix-Marseille-Provence)")
    PACTEPME = "pactepme", _("Pacte PME (plateforme nationale)")


class Partner(models.Model):
    kind = models.CharField(
        _("plateforme"), max_length=16, choices=ConnectorKind.choices, unique=True
    )
    name = models.CharField(_("nom"), max_length=100)
    base_url = models.URLField(_("adresse de l'API"), max_length=300)
    enabled = models.BooleanField(
        _("relais actif"),
        default=True,
        help_text=_("Décochez pour suspendre le relais vers cette plateforme."),
    )
    # A digest of the secrets read from the environment: a rotation is noticed
    # (and lifts an authentication block) without the secrets ever being stored.
    credentials_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    blocked_at = models.DateTimeField(_("bloqué depuis"), null=True, blank=True, editable=False)
    blocked_reason = models.TextField(_("motif du blocage"), blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    paused_until = models.DateTimeField(
        _("en pause jusqu'à"), null=True, blank=True, editable=False
    )
    # Client-side rate limit: the next moment a request may leave (see ratelimit.py).
    next_request_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("plateforme partenaire")
        verbose_name_plural = _("plateformes partenaires")
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_blocked(self) -> bool:
        return self.blocked_at is not None

    def is_paused(self, now=None) -> bool:
        return self.paused_until is not None and self.paused_until > (now or timezone.now())


class PartnerListing(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="listings")
    call_id = models.CharField(_("identifiant de l'appel"), max_length=32)
    remote_id = models.CharField(_("identifiant chez le partenaire"), max_length=100, blank=True)
    remote_url = models.URLField(_("lien chez le partenaire"), max_length=500, blank=True)
    present = models.BooleanField(_("publié chez le partenaire"), default=False)
    delivered_version = models.PositiveIntegerField(_("dernière version acceptée"), default=0)
    # The Idempotency-Key of a creation whose outcome is not known yet: every retry
    # of that creation reuses it, so the partner never creates the record twice.
    create_key = models.CharField(max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("appel chez un partenaire")
        verbose_name_plural = _("appels chez les partenaires")
        constraints = [
            models.UniqueConstraint(fields=["partner", "call_id"], name="unique_partner_listing"),
        ]

    def __str__(self) -> str:
        return f"{self.call_id} @ {self.partner.kind}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("En attente")
    IN_FLIGHT = "in_flight", _("Envoi en cours")
    DELIVERED = "delivered", _("Relayé")
    RETRYING = "retrying", _("Nouvelle tentative prévue")
    FAILED = "failed", _("Échec")
    BLOCKED_AUTH = "blocked_auth", _("Bloqué : accès refusé par le partenaire")
    SUPERSEDED = "superseded", _("Remplacé par une version plus récente")


ACTIVE_STATES = (DeliveryState.PENDING, DeliveryState.RETRYING, DeliveryState.BLOCKED_AUTH)


class DeliveryReason(models.TextChoices):
    EVENT = "event", _("Événement de l'appel")
    RESYNC = "resync", _("Renvoi manuel")


class Delivery(models.Model):
    listing = models.ForeignKey(PartnerListing, on_delete=models.CASCADE, related_name="deliveries")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="deliveries")
    call_id = models.CharField(_("identifiant de l'appel"), max_length=32, db_index=True)
    event = models.ForeignKey(
        "calls.CallEvent", on_delete=models.SET_NULL, null=True, related_name="deliveries"
    )
    reason = models.CharField(max_length=16, choices=DeliveryReason.choices)
    event_kind = models.CharField(_("événement"), max_length=32)
    version = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField()
    # Standard Webhooks ``webhook-id``: the same on every retry of this delivery.
    message_id = models.CharField(max_length=64, default=uuid.uuid4, editable=False)

    state = models.CharField(
        _("état"), max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempt_count = models.PositiveIntegerField(_("tentatives"), default=0)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("dernière tentative"), null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    delivered_at = models.DateTimeField(_("relayé le"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("envoi")
        verbose_name_plural = _("envois")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "event"],
                condition=Q(reason="event"),
                name="one_delivery_per_event_and_partner",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="delivery_due_idx"),
            models.Index(fields=["listing", "state"], name="delivery_lane_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.call_id} v{self.version} → {self.partner.kind} ({self.state})"

    @property
    def withdraws(self) -> bool:
        """True when this delivery removes the call from the partner."""
        excluded = self.snapshot.get("excluded_partners") or []
        return self.event_kind == "call.withdrawn" or self.partner.kind in excluded


class AttemptOutcome(models.TextChoices):
    DELIVERED = "delivered", _("Accepté")
    TRANSIENT = "transient", _("Erreur temporaire")
    PERMANENT = "permanent", _("Refusé")
    AUTH = "auth", _("Accès refusé")
    LOST = "lost", _("Interrompu (worker arrêté)")


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    started_at = models.DateTimeField(_("début"))
    duration_ms = models.PositiveIntegerField(_("durée (ms)"), default=0)
    status_code = models.PositiveIntegerField(_("statut HTTP"), null=True, blank=True)
    outcome = models.CharField(_("résultat"), max_length=16, choices=AttemptOutcome.choices)
    requests = models.TextField(_("requêtes"), blank=True)
    error = models.TextField(_("erreur"), blank=True)

    class Meta:
        verbose_name = _("tentative d'envoi")
        verbose_name_plural = _("tentatives d'envoi")
        ordering = ["started_at", "pk"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.outcome} {self.status_code}"
