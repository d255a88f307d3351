"""Sign-up, e-mail verification and the page that sends a new verification link."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.forms import EMAIL_TAKEN, EmailForm, SignupForm
from accounts.navigation import after_login_url, dashboard_url
from accounts.services import (
    AlreadyVerified,
    EmailTaken,
    account_create,
    account_verify,
    verification_mail_resend,
)
from accounts.throttling import rate_limit_exceeded, too_many_requests
from accounts.tokens import ExpiredToken, InvalidToken

_SIGNUP_EMAIL = "accounts_signup_email"
_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _too_many_signups(request: HttpRequest) -> HttpResponse:
    return too_many_requests(
        request,
        _("Trop de demandes"),
        _(
            "Par sécurité, le nombre de demandes depuis votre adresse est limité. "
            "Réessayez dans une heure."
        ),
    )


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(dashboard_url())
    if request.method == "POST":
        if rate_limit_exceeded(request, "signup", settings.SIGNUP_LIMIT_PER_HOUR):
            return _too_many_signups(request)
        form = SignupForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                account_create(
                    email=data["email"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    password=data["password1"],
                )
            except EmailTaken:
                form.add_error("email", EMAIL_TAKEN)
            else:
                request.session[_SIGNUP_EMAIL] = data["email"]
                return redirect("accounts:signup_done")
    else:
        form = SignupForm(initial={"email": request.GET.get("email", "")[:150]})
    return render(
        request,
        "accounts/signup.html",
        {
            "form": form,
            "consent_version": settings.ACCOUNT_CONSENT_VERSION,
            "retention_months": settings.APPLICATION_RETENTION_MONTHS,
        },
    )


def signup_done(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/signup_done.html",
        {
            "email": request.session.get(_SIGNUP_EMAIL, ""),
            "hours": settings.ACCOUNT_VERIFICATION_MAX_AGE_SECONDS // 3600,
        },
    )


def verify(request: HttpRequest, token: str) -> HttpResponse:
    """Open the link of the verification mail: verify the address and log the user in."""
    try:
        user = account_verify(token)
    except ExpiredToken:
        return render(request, "accounts/verify_failed.html", {"expired": True}, status=400)
    except InvalidToken:
        return render(request, "accounts/verify_failed.html", {"expired": False}, status=400)
    except AlreadyVerified:
        messages.info(request, _("Votre adresse est déjà vérifiée."))
        if request.user.is_authenticated:
            return redirect(dashboard_url())
        messages.info(request, _("Connectez-vous avec votre adresse et votre mot de passe."))
        return redirect("accounts:login")
    login(request, user, backend=_BACKEND)
    request.session.pop(_SIGNUP_EMAIL, None)
    messages.success(request, _("Votre adresse est vérifiée : bienvenue !"))
    return redirect(after_login_url(user))


@require_http_methods(["GET", "POST"])
def resend(request: HttpRequest) -> HttpResponse:
    """Send a new link; the answer is the same whether the address has an account or not."""
    sent = False
    if request.method == "POST":
        if rate_limit_exceeded(request, "verification-resend", settings.SIGNUP_LIMIT_PER_HOUR):
            return _too_many_signups(request)
        form = EmailForm(request.POST)
        if form.is_valid():
            verification_mail_resend(form.cleaned_data["email"])
            sent = True
    else:
        form = EmailForm(initial={"email": request.GET.get("email", "")[:150]})
    return render(request, "accounts/resend.html", {"form": form, "sent": sent})
