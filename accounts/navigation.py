"""Where to send an applicant: their dashboard once it exists, else their company profile."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse


def dashboard_url() -> str:
    """``/espace/`` (``applications:dashboard``); the company profile while that page is absent."""
    try:
        return reverse("applications:dashboard")
    except NoReverseMatch:
        return reverse("companies:profile")


def after_login_url(user) -> str:
    """An applicant without a company profile completes it first; staff go to the home page."""
    from accounts.models import Account
    from companies.models import Membership

    if not Account.objects.filter(user=user).exists():
        return "/"
    if not Membership.objects.filter(user=user).exists():
        return reverse("companies:profile")
    return dashboard_url()
