"""Domain events of a call and the sequence that numbers calls.

A ``CallEvent`` is written in the same transaction as the change it describes; the
search indexer and the syndication engine consume them. ``(call_id, version)`` is
unique, so two concurrent writers can never record the same version twice.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CallEventKind(models.TextChoices):
    PUBLISHED = "call.published", _("Publication")
    UPDATED = "call.updated", _("Modification publiée")
    CLOSED = "call.closed", _("Clôture")
    WITHDRAWN = "call.withdrawn", _("Retrait")


class CallEvent(models.Model):
    call_id = models.CharField(_("identifiant de l'appel"), max_length=32, db_index=True)
    page = models.ForeignKey(
        "calls.CallPage",
        verbose_name=_("appel"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    kind = models.CharField(_("type d'événement"), max_length=32, choices=CallEventKind.choices)
    version = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField(_("état relayé"))
    occurred_at = models.DateTimeField(_("date"), db_index=True)
    dispatched_at = models.DateTimeField(_("transmis au worker"), null=True, blank=True)
    processed_at = models.DateTimeField(_("traité"), null=True, blank=True, db_index=True)

    Kind = CallEventKind

    class Meta:
        verbose_name = _("événement d'appel")
        verbose_name_plural = _("événements d'appel")
        ordering = ["occurred_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["call_id", "version"], name="unique_call_version"),
        ]

    def __str__(self) -> str:
        return f"{self.call_id} v{self.version} {self.kind}"


class CallIdSequence(models.Model):
    """Last number handed out per year: ``AMP-2026-0042`` is never handed out twice."""

    year = models.PositiveIntegerField(primary_key=True)
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("séquence de numérotation")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_value}"
