"""What the portal keeps about an applicant's account beyond Django's user."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Account(models.Model):
    """One per applicant user (staff of the organisations have none).

    The e-mail address is the login (Django's ``username`` holds it, lower-cased).
    Its verification and the second factor are allauth's (``EmailAddress``,
    ``Authenticator``); the properties below read them for the other apps.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account"
    )
    consent_at = models.DateTimeField(_("consentement donné le"))
    consent_version = models.CharField(_("version du texte de consentement"), max_length=20)
    notify_followed_calls = models.BooleanField(
        _("être prévenu des réponses sur les appels suivis"), default=True
    )

    class Meta:
        verbose_name = _("compte candidat")
        verbose_name_plural = _("comptes candidats")

    def __str__(self) -> str:
        return self.user.get_username()

    @property
    def is_verified(self) -> bool:
        from allauth.account.models import EmailAddress

        return EmailAddress.objects.filter(user_id=self.user_id, verified=True).exists()

    @property
    def has_second_factor(self) -> bool:
        from allauth.mfa.models import Authenticator

        return (
            Authenticator.objects.filter(user_id=self.user_id)
            .exclude(type=Authenticator.Type.RECOVERY_CODES)
            .exists()
        )
