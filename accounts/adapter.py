"""The portal's allauth account adapter: usernames, the applicant row, login limits.

Applicants log in with their address, which is also their Django username (as before
the move to allauth); staff keep the username the CMS gave them.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import login_limits
from accounts.models import Account
from accounts.navigation import after_login_url
from accounts.services import normalise_email
from portal.throttling import client_address


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": _(
            "Trop de tentatives de connexion infructueuses. Réessayez dans quelques minutes, "
            "ou choisissez « Mot de passe oublié »."
        ),
    }

    def populate_username(self, request: HttpRequest, user) -> None:
        """The address is the username, unless a staff member already has it as theirs."""
        email = normalise_email(user.email)
        taken = get_user_model().objects.filter(username__iexact=email).exists()
        if email and not user.username and not taken:
            user.username = email
        super().populate_username(request, user)

    @transaction.atomic
    def save_user(self, request: HttpRequest, user, form, commit: bool = True):
        """Create the applicant's ``Account`` with the consent they gave at sign-up."""
        user = super().save_user(request, user, form, commit=True)
        Account.objects.create(
            user=user, consent_at=timezone.now(), consent_version=settings.ACCOUNT_CONSENT_VERSION
        )
        return user

    def pre_authenticate(self, request: HttpRequest, **credentials) -> None:
        bucket = login_limits.account_bucket(self._login_of(credentials))
        if login_limits.is_blocked(request, bucket):
            raise self.validation_error("too_many_login_attempts")

    def authentication_failed(self, request: HttpRequest, **credentials) -> None:
        login_limits.record_failure(
            request, login_limits.account_bucket(self._login_of(credentials))
        )

    @staticmethod
    def _login_of(credentials: dict) -> str:
        return credentials.get("email") or credentials.get("username") or ""

    def get_client_ip(self, request: HttpRequest) -> str:
        """One notion of the client for allauth's limits and the portal's."""
        return client_address(request)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return after_login_url(request.user)

    # Links in mails point at the portal's public address, never at the request's Host.
    def get_email_confirmation_url(self, request: HttpRequest, emailconfirmation) -> str:
        return _public_url(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def get_reset_password_from_key_url(self, key: str) -> str:
        from allauth.account.internal import flows

        local = flows.password_reset.get_reset_password_from_key_url(self.request, key)
        return _public_url(urlsplit(local).path)

    def send_account_already_exists_mail(self, email: str) -> None:
        ctx = {
            "signup_url": _public_url(reverse("account_signup")),
            "password_reset_url": _public_url(reverse("account_reset_password")),
        }
        self.send_mail("account/email/account_already_exists", email, ctx)


def _public_url(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path
