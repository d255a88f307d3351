"""Demo accounts' second factor: a TOTP authenticator enrolled in advance.

Demo staff must pass the second factor like anyone else; their secret is generated on
the first ``load_demo`` and kept with their password in ``var/demo-credentials.json``,
and ``manage.py demo_totp <username>`` prints the current code (dev settings only).
"""

from __future__ import annotations

import pyotp
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import generate_totp_secret

from accounts.mfa import encrypt_secret


def ensure_verified_address(user) -> None:
    EmailAddress.objects.update_or_create(
        user=user, email=user.email.lower(), defaults={"verified": True, "primary": True}
    )


def ensure_demo_totp(user, secret: str | None) -> str:
    """Enrol (or re-enrol) ``user`` with ``secret``, a new one if None; return it."""
    secret = secret or generate_totp_secret()
    ensure_verified_address(user)
    Authenticator.objects.update_or_create(
        user=user,
        type=Authenticator.Type.TOTP,
        defaults={"data": {"secret": encrypt_secret(secret)}},
    )
    return secret


def current_code(secret: str) -> str:
    return pyotp.TOTP(secret).now()
