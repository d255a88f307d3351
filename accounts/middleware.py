"""Staff enter the CMS only after a second factor, checked on every ``/admin/`` request.

Anyone who may access the Wagtail admin (editors, reviewers, evaluators, administrators)
must have an allauth authenticator (TOTP or passkey) AND this session must have been
authenticated with one of their current authenticators: allauth records each method
used in the session (``get_authentication_records``), and an ``mfa`` record names the
authenticator's id, so a factor reset by an administrator stops counting at once.
Without a factor they are sent to enrol; with one not used in this session, to
re-authenticate with it (the passkey prompt when they have no TOTP).
"""

from __future__ import annotations

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

ADMIN_PREFIX = "/admin/"
#: Pages of the CMS a member of staff may reach without the factor.
EXEMPT_PATHS = ("/admin/login/", "/admin/logout/")


def second_factor_ids(user) -> set[int]:
    """The user's authenticators that are a second factor (recovery codes only back one up)."""
    return set(
        Authenticator.objects.filter(user_id=user.pk)
        .exclude(type=Authenticator.Type.RECOVERY_CODES)
        .values_list("pk", flat=True)
    )


def session_used_second_factor(request: HttpRequest, user) -> bool:
    """Whether this session was authenticated with one of the user's current authenticators."""
    current = set(Authenticator.objects.filter(user_id=user.pk).values_list("pk", flat=True))
    return any(
        record.get("method") == "mfa" and record.get("id") in current
        for record in get_authentication_records(request, user)
    )


def second_factor_redirect(request: HttpRequest) -> HttpResponse | None:
    """Where a member of staff must go before the CMS page they asked for, if anywhere."""
    user = request.user
    if not user.is_authenticated or not user.has_perm("wagtailadmin.access_admin"):
        return None
    query = "?" + urlencode({"next": request.get_full_path()})
    if not second_factor_ids(user):
        messages.info(
            request,
            _(
                "L'accès à l'administration demande une double authentification : "
                "activez-la ci-dessous avec une application d'authentification, puis "
                "gardez vos codes de secours."
            ),
        )
        return redirect(reverse("mfa_activate_totp") + query)
    if not session_used_second_factor(request, user):
        return redirect(reverse(reauthentication_view(user)) + query)
    return None


def reauthentication_view(user) -> str:
    """allauth's page for the user's factor: the code form asks for a TOTP code, so
    someone with passkeys only is sent to the passkey prompt instead."""
    has_totp = Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP)
    return "mfa_reauthenticate" if has_totp.exists() else "mfa_reauthenticate_webauthn"


class StaffSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(ADMIN_PREFIX) and not request.path.startswith(EXEMPT_PATHS):
            response = second_factor_redirect(request)
            if response is not None:
                return response
        return self.get_response(request)
