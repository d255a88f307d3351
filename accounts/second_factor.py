"""Optional second factor: time-based one-time codes (TOTP, RFC 6238) from an authenticator app.

The secret is kept on the account from the moment the user starts enabling it; the
factor counts only once a first code has been confirmed (``totp_enabled_at``). A code
is accepted once: the time step it belongs to is remembered in the cache.
"""

from __future__ import annotations

import hmac

import pyotp
import segno
from django.core.cache import cache
from django.utils import timezone

from accounts.models import Account

ISSUER = "AMP Innovation"
#: Codes of the previous and next 30-second step still count (clocks drift).
VALID_WINDOW = 1


class WrongCode(Exception):
    pass


def totp_secret_ensure(account: Account) -> str:
    """The pending secret to show the user, created on first need."""
    if not account.totp_secret:
        account.totp_secret = pyotp.random_base32()
        account.save(update_fields=["totp_secret"])
    return account.totp_secret


def totp_provisioning_uri(account: Account) -> str:
    return pyotp.TOTP(account.totp_secret).provisioning_uri(
        name=account.user.email, issuer_name=ISSUER
    )


def totp_qr_svg(account: Account, title: str) -> str:
    """The provisioning URI as an inline SVG QR code, for phones that scan it.

    Drawn on the server (no script, no third-party image service), dark on white
    for contrast; ``title`` is the image's accessible name.
    """
    qr = segno.make(totp_provisioning_uri(account), error="m")
    return qr.svg_inline(scale=4, dark="#000", light="#fff", title=title, svgclass="qr-code")


def totp_code_check(account: Account, code: str) -> bool:
    """Whether ``code`` is right now and not used before; a right code is spent."""
    code = "".join((code or "").split())
    if not account.totp_secret or not code.isdigit():
        return False
    totp = pyotp.TOTP(account.totp_secret)
    current = totp.timecode(timezone.now().timestamp())
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            # add() is atomic: of two requests with the same code, one wins.
            return cache.add(f"totp-used:{account.pk}:{step}", 1, timeout=totp.interval * 4)
    return False


def totp_enable(account: Account, code: str) -> None:
    if account.has_second_factor:
        return
    if not totp_code_check(account, code):
        raise WrongCode
    account.totp_enabled_at = timezone.now()
    account.save(update_fields=["totp_enabled_at"])


def totp_disable(account: Account, code: str) -> None:
    if not totp_code_check(account, code):
        raise WrongCode
    account.totp_secret = ""
    account.totp_enabled_at = None
    account.save(update_fields=["totp_secret", "totp_enabled_at"])
