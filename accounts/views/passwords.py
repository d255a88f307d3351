"""Password reset: Django's views with French pages and mails, and a per-address limit."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from accounts.services import account_mark_verified
from accounts.throttling import rate_limit_exceeded, too_many_requests


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request, *args, **kwargs):
        if rate_limit_exceeded(request, "password-reset", settings.SIGNUP_LIMIT_PER_HOUR):
            return too_many_requests(
                request,
                _("Trop de demandes"),
                _(
                    "Par sécurité, le nombre de demandes de réinitialisation depuis votre "
                    "adresse est limité. Réessayez dans une heure."
                ),
            )
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        # Links point at the portal's public address, never at the request's Host.
        self.extra_email_context = {"portal_url": settings.PORTAL_BASE_URL.rstrip("/")}
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        # The reset link reached the mailbox: the address is proved as well.
        account_mark_verified(form.user)
        return super().form_valid(form)


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
