"""Invitations: owners invite; the invitee sees the invitation and joins or refuses by a click."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import applicant_required
from companies import invitations
from companies.forms import InvitationForm
from companies.invitations import (
    ALREADY_IN_A_COMPANY,
    ColleagueAlreadyMember,
    InvitationLimitReached,
    InvitationNotForYou,
    InvitationNotFound,
    invitation_for,
    invitation_send,
)
from companies.models import MembershipRole
from companies.services import AlreadyMember, NotMember, NotOwner, membership_of
from companies.views.common import forbidden


@applicant_required
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request.user)
    if membership is None:
        messages.info(request, _("Créez d'abord le profil de votre entreprise."))
        return redirect("companies:profile")
    if membership.role != MembershipRole.OWNER:
        return forbidden(request, str(NotOwner.message))
    form = InvitationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = invitation_send(request.user, form.cleaned_data["email"])
        except ColleagueAlreadyMember as error:
            form.add_error("email", str(error))
        except InvitationLimitReached as error:
            form.add_error(None, str(error))
        except (NotOwner, NotMember) as error:
            return forbidden(request, str(error))
        else:
            messages.success(
                request, _("Invitation envoyée à %(email)s.") % {"email": invitation.email}
            )
            return redirect("companies:profile")
    status = 429 if form.has_error("__all__") else 200
    return render(
        request,
        "companies/invite.html",
        {
            "form": form,
            "company": membership.company,
            "invitation_days": settings.INVITATION_MAX_AGE_DAYS,
        },
        status=status,
    )


def _refusal(request: HttpRequest, error: Exception) -> HttpResponse:
    status = 403 if isinstance(error, InvitationNotForYou) else 404
    return render(
        request, "companies/invitation_invalid.html", {"message": str(error)}, status=status
    )


@applicant_required
@require_GET
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The page the mail links to: which company invites, with "Rejoindre" and "Refuser"."""
    try:
        found = invitation_for(request.user, token)
    except (InvitationNotFound, InvitationNotForYou) as error:
        return _refusal(request, error)
    in_a_company = membership_of(request.user) is not None
    return render(request, "companies/invitation.html", _page(found, in_a_company))


def _page(found, in_a_company: bool) -> dict:
    return {
        "invitation": found,
        "in_a_company": in_a_company,
        "already_in_a_company": ALREADY_IN_A_COMPANY,
    }


@applicant_required
@require_POST
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        company = invitations.invitation_accept(request.user, token)
    except (InvitationNotFound, InvitationNotForYou) as error:
        return _refusal(request, error)
    except AlreadyMember:
        found = invitation_for(request.user, token)
        return render(request, "companies/invitation.html", _page(found, True), status=409)
    messages.success(request, _("Vous avez rejoint l'entreprise %(name)s.") % {"name": company})
    return redirect("companies:profile")


@applicant_required
@require_POST
def invitation_decline(request: HttpRequest, token: str) -> HttpResponse:
    try:
        company = invitations.invitation_decline(request.user, token)
    except (InvitationNotFound, InvitationNotForYou) as error:
        return _refusal(request, error)
    messages.success(
        request, _("Vous avez refusé l'invitation de %(name)s.") % {"name": company.legal_name}
    )
    return redirect("companies:profile")


@applicant_required
@require_POST
def invitation_cancel(request: HttpRequest, invitation_id: int) -> HttpResponse:
    """An owner withdraws an invitation that was not answered yet."""
    try:
        cancelled = invitations.invitation_cancel(request.user, invitation_id)
    except (NotOwner, NotMember) as error:
        return forbidden(request, str(error))
    except InvitationNotFound:
        return forbidden(request, _("Cette invitation n'est plus en attente."), status=404)
    else:
        messages.success(
            request, _("L'invitation de %(email)s est annulée.") % {"email": cancelled.email}
        )
    return redirect("companies:profile")
