"""Signed links that prove someone reads the mailbox of an address.

A verification token carries the user's id and address, signed with the secret key
and a timestamp; it stops working after ``ACCOUNT_VERIFICATION_MAX_AGE_SECONDS``, when
the address changes, and (checked by the service) once the address is verified.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing

_SALT = "accounts.email-verification"


class InvalidToken(Exception):
    """The link was forged, altered or truncated."""


class ExpiredToken(InvalidToken):
    """The link is genuine but too old."""


@dataclass(frozen=True)
class VerificationClaim:
    user_id: int
    email: str


def verification_token_make(user) -> str:
    return signing.dumps({"user": user.pk, "email": user.email}, salt=_SALT, compress=True)


def verification_token_read(token: str) -> VerificationClaim:
    try:
        data = signing.loads(
            token, salt=_SALT, max_age=settings.ACCOUNT_VERIFICATION_MAX_AGE_SECONDS
        )
    except signing.SignatureExpired as error:
        raise ExpiredToken from error
    except signing.BadSignature as error:
        raise InvalidToken from error
    if not isinstance(data, dict) or not isinstance(data.get("user"), int):
        raise InvalidToken
    return VerificationClaim(user_id=data["user"], email=str(data.get("email", "")))
