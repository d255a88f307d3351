"""Limits on login failures, per account and per client, counted atomically in the cache.

A wrong password and a wrong second-factor code both count. Nothing clears a count: a
success (the attacker's own account, say) must not give a victim's account or a
client new guesses; counts expire with their window (``LOGIN_FAILURE_WINDOW_SECONDS``,
fixed, from the first failure). allauth's own ``login_failed`` limit is turned off in
the settings: it keeps a history list under a cache lock and clears it on MFA success.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Q
from django.http import HttpRequest

from accounts.services import normalise_email
from portal.throttling import client_address, count_hit


def account_bucket(login: str) -> str:
    """One bucket per account whatever the login typed (username or address).

    A login that matches no user gets a bucket of its own, so that failures on
    unknown and known logins behave the same.
    """
    login = normalise_email(login)
    user = (
        get_user_model()
        .objects.filter(Q(username__iexact=login) | Q(email__iexact=login))
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if user is not None:
        return user_bucket(user)
    return "login-failures:login:" + hashlib.sha256(login.encode()).hexdigest()


def user_bucket(user_pk: int) -> str:
    return f"login-failures:user:{user_pk}"


def client_bucket(request: HttpRequest) -> str:
    return f"login-failures:client:{client_address(request)}"


def is_blocked(request: HttpRequest, bucket: str) -> bool:
    """Whether the account's bucket or the client's is full."""
    return (
        cache.get(bucket, 0) >= settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT
        or cache.get(client_bucket(request), 0) >= settings.LOGIN_FAILURE_LIMIT_PER_CLIENT
    )


def record_failure(request: HttpRequest, bucket: str) -> None:
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    count_hit(bucket, window)
    count_hit(client_bucket(request), window)
