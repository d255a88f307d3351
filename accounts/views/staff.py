"""An administrator resets a colleague's second factor (lost phone, new device).

Only superusers may; the reset deletes every authenticator of the colleague (TOTP,
passkeys, recovery codes), is logged, and the colleague enrols again at next login
(the staff middleware sends them to the activation page).
"""

from __future__ import annotations

import logging

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

logger = logging.getLogger(__name__)


def second_factor_reset(*, user, by) -> int:
    """Delete the user's authenticators; return how many there were."""
    with transaction.atomic():
        deleted, _details = Authenticator.objects.filter(user=user).delete()
    logger.warning(
        "second factor of user %s (%s) reset by %s (%s): %d authenticator(s) deleted",
        user.pk,
        user.get_username(),
        by.pk,
        by.get_username(),
        deleted,
    )
    return deleted


@require_http_methods(["GET", "POST"])
def reset_second_factor(request: HttpRequest, user_id: int) -> HttpResponse:
    if not request.user.is_superuser:
        raise PermissionDenied
    colleague = get_object_or_404(get_user_model(), pk=user_id)
    if request.method == "POST":
        second_factor_reset(user=colleague, by=request.user)
        messages.success(
            request,
            _(
                "La double authentification de %(name)s est réinitialisée : un nouvel "
                "enrôlement lui sera demandé à sa prochaine connexion."
            )
            % {"name": colleague.get_username()},
        )
        return redirect("accounts_admin:staff_second_factors")
    return render(
        request,
        "accounts/admin/reset_second_factor.html",
        {
            "colleague": colleague,
            "authenticators": Authenticator.objects.filter(user=colleague).count(),
        },
    )


def staff_second_factors(request: HttpRequest) -> HttpResponse:
    """Every colleague who may enter the CMS, with their second factor; superusers only."""
    if not request.user.is_superuser:
        raise PermissionDenied
    users = get_user_model().objects.filter(is_active=True).order_by("username")
    staff = [user for user in users if user.has_perm("wagtailadmin.access_admin")]
    kinds = {}
    for user_id, kind in Authenticator.objects.filter(user__in=staff).values_list(
        "user_id", "type"
    ):
        kinds.setdefault(user_id, set()).add(kind)
    rows = [
        {
            "user": user,
            "totp": Authenticator.Type.TOTP in kinds.get(user.pk, ()),
            "passkeys": Authenticator.Type.WEBAUTHN in kinds.get(user.pk, ()),
        }
        for user in staff
    ]
    return render(request, "accounts/admin/staff_second_factors.html", {"rows": rows})
