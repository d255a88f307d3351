"""Members and roles: owners change roles and remove members; anyone leaves; owners delete."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import applicant_required
from companies import services
from companies.models import MembershipRole
from companies.services import (
    CompanyError,
    LastOwner,
    MemberNotFound,
    NotMember,
    NotOwner,
    company_deletion_preview,
    member_leave,
    member_role_set,
    membership_of,
)
from companies.views.common import forbidden


@applicant_required
@require_POST
def member_role(request: HttpRequest, membership_id: int) -> HttpResponse:
    """Make a member owner (to hand over) or member again."""
    try:
        target = member_role_set(request.user, membership_id, request.POST.get("role", ""))
    except (NotOwner, NotMember) as error:
        return forbidden(request, str(error))
    except MemberNotFound as error:
        return forbidden(request, str(error), status=404)
    except CompanyError as error:
        messages.error(request, str(error))
    else:
        name = target.user.get_full_name() or target.user.email
        if target.role == MembershipRole.OWNER:
            text = _("%(name)s est maintenant responsable de l'entreprise.")
        else:
            text = _("%(name)s est maintenant membre de l'entreprise.")
        messages.success(request, text % {"name": name})
    return redirect("companies:profile")


@applicant_required
@require_POST
def member_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    try:
        target = services.member_remove(request.user, membership_id)
    except (NotOwner, NotMember) as error:
        return forbidden(request, str(error))
    except MemberNotFound as error:
        return forbidden(request, str(error), status=404)
    except CompanyError as error:
        messages.error(request, str(error))
    else:
        name = target.user.get_full_name() or target.user.email
        messages.success(
            request, _("%(name)s ne fait plus partie de l'entreprise.") % {"name": name}
        )
    return redirect("companies:profile")


@applicant_required
@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest) -> HttpResponse:
    """Confirm, then leave; the last owner is told how to hand over or delete instead."""
    membership = membership_of(request.user)
    if membership is None:
        messages.info(request, str(NotMember.message))
        return redirect("companies:profile")
    error = None
    if request.method == "POST":
        try:
            company = member_leave(request.user)
        except LastOwner as refused:
            error = str(refused)
        except NotMember:
            return redirect("companies:profile")
        else:
            messages.success(
                request, _("Vous avez quitté l'entreprise %(name)s.") % {"name": company}
            )
            return redirect("companies:profile")
    company = membership.company
    last_owner = (
        membership.role == MembershipRole.OWNER
        and not company.memberships.filter(role=MembershipRole.OWNER)
        .exclude(pk=membership.pk)
        .exists()
    )
    return render(
        request,
        "companies/leave.html",
        {"company": company, "last_owner": last_owner, "error": error},
        status=400 if error else 200,
    )


@applicant_required
@require_http_methods(["GET", "POST"])
def company_delete(request: HttpRequest) -> HttpResponse:
    """Owners only: say what goes (applications, attachments), then delete on confirmation."""
    membership = membership_of(request.user)
    if membership is None:
        messages.info(request, str(NotMember.message))
        return redirect("companies:profile")
    if membership.role != MembershipRole.OWNER:
        return forbidden(request, str(NotOwner.message))
    if request.method == "POST":
        try:
            preview = services.company_delete(request.user)
        except (NotOwner, NotMember) as error:
            return forbidden(request, str(error))
        messages.success(
            request,
            _("L'entreprise %(name)s et ses candidatures sont supprimées.")
            % {"name": preview.company.legal_name},
        )
        return redirect("companies:profile")
    preview = company_deletion_preview(membership.company)
    return render(request, "companies/delete.html", {"preview": preview})
