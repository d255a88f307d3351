"""Access to the applicant's pages: logged in, with a verified applicant account."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

from accounts.models import Account


def applicant_account(user) -> Account | None:
    """The user's verified applicant account, or None (staff, unverified, anonymous)."""
    if not user.is_authenticated:
        return None
    account = Account.objects.filter(user=user).first()
    return account if account is not None and account.is_verified else None


def applicant_required(view):
    """Send visitors to the login page; refuse (403) users without a verified applicant account.

    The view finds the account in ``request.account``.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        account = applicant_account(request.user)
        if account is None:
            return render(request, "accounts/applicant_only.html", status=403)
        request.account = account
        return view(request, *args, **kwargs)

    return wrapper
