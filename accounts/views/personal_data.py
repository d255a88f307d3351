"""GDPR pages: download one's data, delete one's account (after re-authentication)."""

from __future__ import annotations

import json

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import logout
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import applicant_required
from accounts.forms import DeleteAccountForm
from accounts.personal_data import personal_data_export
from accounts.services import account_delete, account_deletion_preview


@applicant_required
@require_GET
def personal_data(request: HttpRequest) -> HttpResponse:
    """The JSON export, as a file to download."""
    document = json.dumps(
        personal_data_export(request.user), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2
    )
    response = HttpResponse(document, content_type="application/json; charset=utf-8")
    filename = f"mes-donnees-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@applicant_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    """Say beforehand what goes with the account; the user proved who they are just before."""
    user = request.user
    form = DeleteAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        logout(request)
        account_delete(user)
        messages.success(request, _("Votre compte et vos données personnelles sont supprimés."))
        return redirect("/")
    return render(
        request,
        "accounts/delete.html",
        {"form": form, "preview": account_deletion_preview(user)},
    )
