"""The applicant's company: create or edit its profile, see its members, invite colleagues."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.decorators import applicant_required
from applications.permissions import company_of
from companies.forms import SIRET_TAKEN, CompanyForm, InvitationForm
from companies.services import (
    AlreadyMember,
    SiretTaken,
    company_register,
    invitation_join_pending,
    invitation_send,
)


@applicant_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """One page for both: the form creates the company if the user has none yet."""
    joined = invitation_join_pending(request.user)
    if joined is not None:
        messages.success(request, _("Vous avez rejoint l'entreprise %(name)s.") % {"name": joined})
    company = company_of(request.user)
    form = CompanyForm(request.POST if request.method == "POST" else None, instance=company)
    if request.method == "POST" and form.is_valid():
        if company is None:
            try:
                company_register(
                    request.user, form.save(commit=False), form.cleaned_data["sectors"]
                )
            except SiretTaken:
                form.add_error("siret", SIRET_TAKEN)
            except AlreadyMember:
                messages.error(request, _("Vous faites déjà partie d'une entreprise."))
                return redirect("companies:profile")
            else:
                messages.success(request, _("Le profil de votre entreprise est créé."))
                return redirect("companies:profile")
        else:
            form.save()
            messages.success(request, _("Le profil de votre entreprise est enregistré."))
            return redirect("companies:profile")
    members = company.memberships.select_related("user").order_by("joined_at") if company else []
    pending = company.invitations.filter(accepted_at__isnull=True) if company else []
    return render(
        request,
        "companies/profile.html",
        {"form": form, "company": company, "members": members, "pending_invitations": pending},
    )


@applicant_required
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest) -> HttpResponse:
    company = company_of(request.user)
    if company is None:
        messages.info(request, _("Créez d'abord le profil de votre entreprise."))
        return redirect("companies:profile")
    form = InvitationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            invitation_send(company, email, request.user)
        except AlreadyMember:
            form.add_error("email", _("Cette personne fait déjà partie de votre entreprise."))
        else:
            messages.success(
                request, _("Invitation envoyée à %(email)s.") % {"email": email.lower()}
            )
            return redirect("companies:profile")
    return render(request, "companies/invite.html", {"form": form, "company": company})
