"""The company profile page: create it, or see it (everyone) and edit it (owners)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.decorators import applicant_required
from companies.forms import SIRET_TAKEN, CompanyForm
from companies.invitations import invitations_pending_for
from companies.models import Membership, MembershipRole
from companies.services import (
    AlreadyMember,
    NotOwner,
    SiretTaken,
    company_profile_save,
    company_register,
    membership_of,
)
from companies.views.common import forbidden


@applicant_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """One address for both: the form creates the company if the user has none yet."""
    membership = membership_of(request.user)
    if membership is None:
        return _create(request)
    return _show(request, membership)


def _create(request: HttpRequest) -> HttpResponse:
    """No company yet: create one, or join one that invited this address."""
    form = CompanyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            company_register(request.user, form.save(commit=False), form.cleaned_data["sectors"])
        except SiretTaken:
            form.add_error("siret", SIRET_TAKEN)
        except AlreadyMember as error:
            messages.error(request, str(error))
            return redirect("companies:profile")
        else:
            messages.success(request, _("Le profil de votre entreprise est créé."))
            return redirect("companies:profile")
    return render(
        request,
        "companies/profile.html",
        {"form": form, "invitations": invitations_pending_for(request.user)},
    )


def _show(request: HttpRequest, membership: Membership) -> HttpResponse:
    company = membership.company
    owner = membership.role == MembershipRole.OWNER
    if request.method == "POST" and not owner:
        return forbidden(request, str(NotOwner.message))
    form = None
    if owner:
        form = CompanyForm(request.POST if request.method == "POST" else None, instance=company)
        if request.method == "POST" and form.is_valid():
            try:
                company_profile_save(request.user, form)
            except NotOwner as error:  # demoted meanwhile
                return forbidden(request, str(error))
            messages.success(request, _("Le profil de votre entreprise est enregistré."))
            return redirect("companies:profile")
    return render(
        request,
        "companies/profile.html",
        {
            "form": form,
            "company": company,
            "membership": membership,
            "is_owner": owner,
            "members": company.memberships.select_related("user").order_by("joined_at", "pk"),
            "pending_invitations": _pending(company) if owner else [],
        },
    )


def _pending(company):
    return company.invitations.filter(expires_at__gt=timezone.now()).order_by("-created_at")
