"""Invitations: an owner invites a colleague's address; the colleague clicks to join.

Nobody joins a company without clicking "Rejoindre" while logged in with the
invited, verified address: a login alone never does it, and the link of the mail is
only a way to find the invitation (another account holding it is refused). The mail
carries nothing the inviter typed but the address it goes to: the company's legal
name is the only name in it, so the platform cannot be used to send a phishing text.
An invitation is deleted once accepted, refused or expired (GDPR).
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.services import normalise_email
from companies.models import Company, Invitation, Membership, MembershipRole, invitation_token
from companies.services import AlreadyMember, CompanyError, lock_company_as_owner
from portal.mail import send_templated_mail
from portal.throttling import count_hit

DAY_SECONDS = 24 * 3600


class InvitationNotFound(CompanyError):
    message = _(
        "Cette invitation n'existe pas ou n'est plus valable : elle a peut-être expiré, été "
        "annulée ou déjà utilisée. Demandez à l'entreprise de vous inviter à nouveau."
    )


class InvitationNotForYou(CompanyError):
    message = _(
        "Cette invitation a été envoyée à une autre adresse e-mail que celle de votre compte. "
        "Connectez-vous avec l'adresse qui a reçu l'invitation."
    )


class ColleagueAlreadyMember(CompanyError):
    message = _("Cette personne fait déjà partie de votre entreprise.")


class InvitationLimitReached(CompanyError):
    message = _(
        "Vous avez envoyé le nombre maximal d'invitations pour aujourd'hui. "
        "Réessayez dans 24 heures."
    )


ALREADY_IN_A_COMPANY = _(
    "Vous faites déjà partie d'une entreprise : quittez-la d'abord (page « Mon entreprise ») "
    "pour en rejoindre une autre."
)


def _count_invitation(company: Company, user) -> None:
    """Count one invitation for the company and for the inviting user; refuse past the limit."""
    limit = settings.INVITATION_LIMIT_PER_DAY
    by_company = count_hit(f"invitations:company:{company.pk}", DAY_SECONDS)
    by_user = count_hit(f"invitations:user:{user.pk}", DAY_SECONDS)
    if by_company > limit or by_user > limit:
        raise InvitationLimitReached


def invitation_send(user, email: str) -> Invitation:
    """Invite ``email`` to the owner ``user``'s company (again if already invited).

    A repeated invitation gets a new link and a new expiry; the old link stops working.
    """
    email = normalise_email(email)
    with transaction.atomic():
        company, _membership = lock_company_as_owner(user)
        if company.memberships.filter(user__email__iexact=email).exists():
            raise ColleagueAlreadyMember
        _count_invitation(company, user)
        invitation, _created = Invitation.objects.update_or_create(
            company=company,
            email=email,
            defaults={
                "invited_by": user,
                "token": invitation_token(),
                "expires_at": timezone.now() + timedelta(days=settings.INVITATION_MAX_AGE_DAYS),
            },
        )
    _mail(invitation)
    return invitation


def _mail(invitation: Invitation) -> None:
    # Only the company's legal name and platform links: nothing the inviter typed.
    signup = f"{reverse('accounts:signup')}?{urlencode({'email': invitation.email})}"
    send_templated_mail(
        "companies/email/invitation",
        {
            "company_name": invitation.company.legal_name,
            "invitation_path": reverse("companies:invitation", args=[invitation.token]),
            "signup_path": signup,
            "days": settings.INVITATION_MAX_AGE_DAYS,
        },
        [invitation.email],
    )


def invitations_pending_for(user) -> QuerySet[Invitation]:
    """The valid invitations to the user's address, newest first."""
    return (
        Invitation.objects.select_related("company")
        .filter(email=normalise_email(user.email), expires_at__gt=timezone.now())
        .order_by("-created_at")
    )


def invitation_for(user, token: str, *, lock: bool = False) -> Invitation:
    """The valid invitation of ``token`` if it was sent to the user's address.

    Raises ``InvitationNotFound`` (unknown, expired) and ``InvitationNotForYou``.
    """
    invitations = Invitation.objects.select_related("company")
    if lock:
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.filter(token=token, expires_at__gt=timezone.now()).first()
    if invitation is None:
        raise InvitationNotFound
    if invitation.email != normalise_email(user.email):
        raise InvitationNotForYou
    return invitation


def invitation_accept(user, token: str) -> Company:
    """The invitee clicked "Rejoindre": make them a member and delete the invitation."""
    with transaction.atomic():
        invitation = invitation_for(user, token, lock=True)
        company = Company.objects.select_for_update().get(pk=invitation.company_id)
        if Membership.objects.filter(user=user).exists():
            raise AlreadyMember(ALREADY_IN_A_COMPANY)
        try:
            with transaction.atomic():
                Membership.objects.create(user=user, company=company, role=MembershipRole.MEMBER)
        except IntegrityError as error:  # joined a company in another request meanwhile
            raise AlreadyMember(ALREADY_IN_A_COMPANY) from error
        invitation.delete()
    return company


def invitation_decline(user, token: str) -> Company:
    """The invitee clicked "Refuser": the invitation, and their address with it, goes."""
    with transaction.atomic():
        invitation = invitation_for(user, token, lock=True)
        invitation.delete()
    return invitation.company


def invitation_cancel(user, invitation_id: int) -> Invitation:
    """An owner withdraws a pending invitation of their company."""
    with transaction.atomic():
        company, _membership = lock_company_as_owner(user)
        invitation = company.invitations.filter(pk=invitation_id).first()
        if invitation is None:
            raise InvitationNotFound
        invitation.delete()
    return invitation


def invitations_purge_expired(now=None) -> int:
    """Delete the expired invitations (and the addresses they hold); return how many."""
    deleted, _by_model = Invitation.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


def invitations_forget_address(email: str) -> int:
    """A deleted account's address must not stay in invitations to it (GDPR)."""
    deleted, _by_model = Invitation.objects.filter(email=normalise_email(email)).delete()
    return deleted
