"""Links from the Q&A to the applicants' account pages, which another app owns."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode

#: Where ``accounts:login`` lives (portal/urls.py mounts accounts under /compte/).
FALLBACK_LOGIN_PATH = "/compte/connexion/"


def applicant_login_path() -> str:
    try:
        return reverse("accounts:login")
    except NoReverseMatch:  # the accounts app does not name it (yet)
        return FALLBACK_LOGIN_PATH


def applicant_login_url(next_path: str) -> str:
    """The applicants' login page, coming back to ``next_path`` once logged in."""
    return f"{applicant_login_path()}?{urlencode({'next': next_path})}"
