"""What the portal keeps about an applicant's account beyond Django's user."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Account(models.Model):
    """One per applicant user (staff of the organisations have none).

    The e-mail address is the login (Django's ``username`` holds it, lower-cased);
    an account cannot log in on the public site until the address is verified.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account"
    )
    email_verified_at = models.DateTimeField(_("adresse vérifiée le"), null=True, blank=True)
    consent_at = models.DateTimeField(_("consentement donné le"))
    consent_version = models.CharField(_("version du texte de consentement"), max_length=20)
    totp_secret = models.CharField(max_length=64, blank=True, editable=False)
    totp_enabled_at = models.DateTimeField(
        _("double authentification activée le"), null=True, blank=True
    )
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
        return self.email_verified_at is not None

    @property
    def has_second_factor(self) -> bool:
        return self.totp_enabled_at is not None
