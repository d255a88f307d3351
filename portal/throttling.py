"""Rate limit on logins: after too many failures from one address, refuse for a while.

Failures are counted per client address in the cache (shared by all processes when
the cache is Redis or the database); a success clears the count. The limit applies
to every login form of the site, the CMS's included.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

#: Every form that checks a password or a second-factor code (the CMS's and the public ones).
LOGIN_PATHS = ("/admin/login/", "/compte/connexion/", "/compte/connexion/code/")


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")


def _key(request: HttpRequest) -> str:
    return f"login-failures:{client_address(request)}"


def login_failures(request: HttpRequest) -> int:
    return cache.get(_key(request), 0)


def is_login_blocked(request: HttpRequest) -> bool:
    return login_failures(request) >= settings.LOGIN_FAILURE_LIMIT


def count_hit(key: str, window_seconds: int) -> int:
    """Count one hit under ``key`` and return the count so far.

    The window is fixed and starts at the first hit; the cache is shared by all
    processes, so every rate limit of the site counts through here.
    """
    cache.add(key, 0, timeout=window_seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=window_seconds)
        return 1


def record_login_failure(request: HttpRequest) -> None:
    """Count one failure: a wrong password (through the signal) or a wrong second-factor code."""
    count_hit(_key(request), settings.LOGIN_FAILURE_WINDOW_SECONDS)


@receiver(user_login_failed)
def count_login_failure(sender, credentials, request: HttpRequest | None = None, **kwargs):
    if request is not None:
        record_login_failure(request)


@receiver(user_logged_in)
def clear_login_failures(sender, request: HttpRequest | None = None, **kwargs):
    if request is not None:
        cache.delete(_key(request))


class LoginRateLimitMiddleware:
    """Answer 429 to login attempts from an address that failed too often."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path in LOGIN_PATHS and is_login_blocked(request):
            minutes = settings.LOGIN_FAILURE_WINDOW_SECONDS // 60
            body = render_to_string("portal/login_blocked.html", {"minutes": minutes}, request)
            response = HttpResponse(body, status=429)
            response["Retry-After"] = str(settings.LOGIN_FAILURE_WINDOW_SECONDS)
            return response
        return self.get_response(request)
