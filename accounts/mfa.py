"""Second factor (allauth.mfa): secrets encrypted at rest, wrong codes counted as failures.

allauth's default adapter stores TOTP secrets as they are; here they are encrypted
with Fernet (AES-128-CBC + HMAC-SHA256) under ``MFA_ENCRYPTION_KEY`` (required in
production; derived from SECRET_KEY elsewhere, so a development database stays readable
by the same checkout).
"""

from __future__ import annotations

import base64
import hashlib

from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.webauthn import forms as webauthn_forms
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import login_limits


def fernet() -> Fernet:
    key = settings.MFA_ENCRYPTION_KEY
    if not key:
        digest = hashlib.sha256(b"portal.mfa-encryption:" + settings.SECRET_KEY.encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key)


def encrypt_secret(text: str) -> str:
    return fernet().encrypt(text.encode()).decode()


def decrypt_secret(token: str) -> str:
    return fernet().decrypt(token.encode()).decode()


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": _("Ce code n'est pas le bon, ou il a expiré. Réessayez."),
    }

    def encrypt(self, text: str) -> str:
        return encrypt_secret(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_secret(encrypted_text)


class _CountedCodeMixin:
    """A wrong code counts in the account's and the client's login-failure buckets."""

    def clean_code(self) -> str:
        request = context.request
        bucket = login_limits.user_bucket(self.user.pk)
        if login_limits.is_blocked(request, bucket):
            raise ValidationError(
                _(
                    "Trop de tentatives de connexion infructueuses. "
                    "Réessayez dans quelques minutes."
                ),
                code="too_many_login_attempts",
            )
        try:
            return super().clean_code()
        except ValidationError:
            login_limits.record_failure(request, bucket)
            raise


class AuthenticateForm(_CountedCodeMixin, mfa_forms.AuthenticateForm):
    pass


class ReauthenticateForm(_CountedCodeMixin, mfa_forms.ReauthenticateForm):
    pass


class AddWebAuthnForm(webauthn_forms.AddWebAuthnForm):
    """allauth's form to add a passkey, with the key's name labelled in French.

    allauth's French catalogue has no translation for its "Name" label, so the page
    showed "Name :" in the middle of a French form.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("Nom de la clé")
        self.fields["name"].help_text = _(
            "Pour la reconnaître dans la liste, par exemple « Ordinateur du bureau »."
        )
