"""The security page: enable or disable the second factor."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.decorators import applicant_required
from accounts.forms import CodeForm
from accounts.second_factor import (
    WrongCode,
    totp_disable,
    totp_enable,
    totp_provisioning_uri,
    totp_qr_svg,
    totp_secret_ensure,
)


@applicant_required
@require_http_methods(["GET", "POST"])
def security(request: HttpRequest) -> HttpResponse:
    account = request.account
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        try:
            if account.has_second_factor:
                totp_disable(account, code)
                messages.success(request, _("La double authentification est désactivée."))
            else:
                totp_enable(account, code)
                messages.success(
                    request,
                    _(
                        "La double authentification est activée : un code vous sera "
                        "demandé à chaque connexion."
                    ),
                )
        except WrongCode:
            form.add_error(
                "code",
                _("Ce code n'est pas le bon, ou il a expiré. Réessayez avec le code affiché."),
            )
        else:
            return redirect("accounts:security")
    context = {"account": account, "form": form}
    if not account.has_second_factor:
        secret = totp_secret_ensure(account)
        context["secret_groups"] = [secret[i : i + 4] for i in range(0, len(secret), 4)]
        context["provisioning_uri"] = totp_provisioning_uri(account)
        # segno escapes the URI and the title itself: the SVG is safe to insert.
        context["qr_svg"] = mark_safe(  # noqa: S308
            totp_qr_svg(account, _("Code QR à scanner avec votre application d'authentification"))
        )
    return render(request, "accounts/security.html", context)
