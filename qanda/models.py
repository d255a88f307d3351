"""Questions that applicants ask about an open call, and the issuer's answers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Question(models.Model):
    """A question an applicant asks about a call.

    A published answer is shown on the call page to everyone, without the asker's
    identity, so every candidate gets the same information. (The call's own FAQ,
    written by its editors, is ``calls.CallQuestion``.)
    """

    call = models.ForeignKey(
        "calls.CallPage", on_delete=models.CASCADE, related_name="applicant_questions"
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="asked_questions",
    )
    question = models.TextField(_("question"), max_length=2000)
    asked_at = models.DateTimeField(_("posée le"), auto_now_add=True)
    answer = models.TextField(_("réponse"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("répondue le"), null=True, blank=True)
    is_published = models.BooleanField(_("réponse publiée"), default=False)
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("question sur un appel")
        verbose_name_plural = _("questions sur les appels")
        ordering = ["asked_at"]
        indexes = [models.Index(fields=["call", "is_published"])]

    def __str__(self) -> str:
        return self.question[:80]
