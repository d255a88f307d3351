"""Writes on companies: registering one, inviting colleagues, joining by invitation."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.services import normalise_email
from companies.models import Company, Invitation, Membership, MembershipRole
from portal.mail import send_templated_mail


class CompanyError(Exception):
    """A request on a company that its current state does not allow."""


class SiretTaken(CompanyError):
    """Another company holds this SIRET: only one of its members can let the user in."""


class AlreadyMember(CompanyError):
    pass


def company_register(user, company: Company, sectors=()) -> Company:
    """Save a new, validated ``company`` with ``user`` as its first member (owner)."""
    with transaction.atomic():
        if Membership.objects.filter(user=user).exists():
            raise AlreadyMember(user)
        try:
            with transaction.atomic():
                company.save()
        except IntegrityError as error:  # registered a moment ago by someone else
            raise SiretTaken(company.siret) from error
        company.sectors.set(sectors)
        Membership.objects.create(user=user, company=company, role=MembershipRole.OWNER)
    return company


def invitation_send(company: Company, email: str, invited_by) -> Invitation:
    """Invite ``email`` to join ``company`` (again if already invited) and mail the link."""
    email = normalise_email(email)
    if Membership.objects.filter(company=company, user__username=email).exists():
        raise AlreadyMember(email)
    invitation, created = Invitation.objects.get_or_create(
        company=company, email=email, defaults={"invited_by": invited_by}
    )
    if not created:
        invitation.invited_by = invited_by
        invitation.accepted_at = None
        invitation.save(update_fields=["invited_by", "accepted_at"])
    send_templated_mail(
        "companies/email/invitation",
        {
            "company": company,
            "invited_by": invited_by,
            "signup_path": f"{reverse('accounts:signup')}?{urlencode({'email': email})}",
            "login_path": reverse("accounts:login"),
        },
        [email],
    )
    return invitation


def invitation_join_pending(user) -> Company | None:
    """Make a user without a company a member of the latest company that invited them.

    Called once the address is proved (verification, login): only then does an
    invitation to that address mean this person.
    """
    if Membership.objects.filter(user=user).exists():
        return None
    invitation = (
        Invitation.objects.select_related("company")
        .filter(email__iexact=user.email, accepted_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
    if invitation is None:
        return None
    with transaction.atomic():
        try:
            with transaction.atomic():
                Membership.objects.create(
                    user=user, company=invitation.company, role=MembershipRole.MEMBER
                )
        except IntegrityError:  # joined in another request meanwhile
            return None
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
    return invitation.company
