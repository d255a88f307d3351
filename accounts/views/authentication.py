"""Logging in (password, then the second-factor code when enabled) and out.

Between the two steps the session only holds who passed the password and when: the
user is not logged in, so no page treats them as such. The pending state expires
after ``PENDING_LOGIN_SECONDS`` and wrong codes count as login failures (rate limit).
"""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.forms import CodeForm, LoginForm
from accounts.models import Account
from accounts.navigation import after_login_url
from accounts.second_factor import totp_code_check
from portal.throttling import record_login_failure

PENDING_LOGIN = "accounts_pending_login"
PENDING_LOGIN_SECONDS = 5 * 60


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:
        user = form.get_user()
        account = Account.objects.filter(user=user).first()
        if account is not None and account.has_second_factor:
            self.request.session[PENDING_LOGIN] = {
                "user": user.pk,
                "backend": user.backend,
                "next": self.get_redirect_url(),
                "since": time.time(),
            }
            return redirect("accounts:login_code")
        return super().form_valid(form)

    def get_default_redirect_url(self) -> str:
        return after_login_url(self.request.user)

    def get_success_url(self) -> str:
        # ``?next=`` pointing back here would make Django refuse a logged-in visitor.
        url = super().get_success_url()
        return self.get_default_redirect_url() if url == self.request.path else url

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        context["unverified"] = form.is_bound and form.has_error("__all__", "unverified")
        return context


def _pending_user(request: HttpRequest):
    pending = request.session.get(PENDING_LOGIN)
    if not isinstance(pending, dict) or time.time() - pending.get("since", 0) > (
        PENDING_LOGIN_SECONDS
    ):
        request.session.pop(PENDING_LOGIN, None)
        return None, None
    user = get_user_model().objects.filter(pk=pending.get("user"), is_active=True).first()
    return user, pending


@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """Second step of the login: the code of the authenticator app."""
    user, pending = _pending_user(request)
    if user is None:
        messages.info(request, _("Votre session de connexion a expiré : recommencez."))
        return redirect("accounts:login")
    account = Account.objects.get(user=user)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if totp_code_check(account, form.cleaned_data["code"]):
            del request.session[PENDING_LOGIN]
            login(request, user, backend=pending["backend"])
            return HttpResponseRedirect(pending.get("next") or after_login_url(user))
        record_login_failure(request)
        form.add_error("code", _("Ce code n'est pas le bon, ou il a expiré. Réessayez."))
    return render(request, "accounts/login_code.html", {"form": form})


class LogoutView(auth_views.LogoutView):
    """POST only (Django refuses GET): a link or an image cannot log anyone out."""

    next_page = "/"

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("Vous êtes déconnecté."))
        return response
