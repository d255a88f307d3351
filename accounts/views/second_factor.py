"""allauth's TOTP activation, which also counts as using the factor in this session.

The user has just typed a right code of the new authenticator: that proves possession
as much as the login's code step would, so the session is recorded as authenticated
with it and a member of staff who enrols at first login reaches the CMS straight away.

allauth asks for the password again before any activation, a fresh login included.
For a *first* factor, within the re-authentication timeout of a password login, that
second prompt protects nothing (the account has no factor to take over) and stands
between a newcomer and the CMS: the login's own record then counts as the
re-authentication, until the timeout after the login. Adding a factor to an account
that has one still needs re-authentication.
"""

from __future__ import annotations

import time

from allauth.account import app_settings as account_settings
from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import (
    AUTHENTICATION_METHODS_SESSION_KEY,
    record_authentication,
)
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.views import ActivateTOTPView
from django.http import HttpRequest


def count_fresh_login_as_reauthentication(request: HttpRequest) -> None:
    """Mark a password login of moments ago as re-authenticated, for a user with no factor."""
    user = request.user
    if not user.is_authenticated or Authenticator.objects.filter(user_id=user.pk).exists():
        return
    records = get_authentication_records(request, user)
    logins = [r for r in records if r.get("method") == "password"]
    if not logins or logins[-1].get("reauthenticated"):
        return
    if time.time() - logins[-1]["at"] < account_settings.REAUTHENTICATION_TIMEOUT:
        logins[-1]["reauthenticated"] = True
        request.session[AUTHENTICATION_METHODS_SESSION_KEY] = records


class ActivateTOTPAndRecordView(ActivateTOTPView):
    def dispatch(self, request, *args, **kwargs):
        count_fresh_login_as_reauthentication(request)
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        user = self.request.user
        totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
        record_authentication(self.request, user, "mfa", id=totp.pk, type=totp.type)
        return response


activate_totp = ActivateTOTPAndRecordView.as_view()
