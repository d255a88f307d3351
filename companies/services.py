"""Writes on companies: registering one, editing it, roles, leaving, deleting.

Every change to who belongs to a company, or with which role, first locks the
company's row (``select_for_update``): two such changes on one company run one after
the other, so that two owners leaving at once cannot leave it without an owner.
Each domain error carries the French message the view shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from companies.models import Company, Membership, MembershipRole


class CompanyError(Exception):
    """A request on a company that its current state, or the user's role, does not allow."""

    message = _("Cette action n'est pas possible.")

    def __init__(self, message=None):
        super().__init__(message or self.message)

    def __str__(self) -> str:
        return str(self.args[0])


class SiretTaken(CompanyError):
    """Another company holds this SIRET: only one of its members can let the user in."""


class AlreadyMember(CompanyError):
    message = _("Vous faites déjà partie d'une entreprise.")


class NotMember(CompanyError):
    message = _("Vous ne faites partie d'aucune entreprise.")


class NotOwner(CompanyError):
    message = _("Seuls les responsables de l'entreprise peuvent faire cela.")


class MemberNotFound(CompanyError):
    message = _("Cette personne ne fait pas partie de votre entreprise.")


class LastOwner(CompanyError):
    message = _(
        "L'entreprise doit garder au moins un responsable : nommez d'abord un autre membre "
        "responsable, ou supprimez l'entreprise."
    )


def membership_of(user) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.select_related("company").filter(user=user).first()


def _lock_company_of(user) -> tuple[Company, Membership]:
    """Lock the user's company and return it with the user's membership, read after the lock.

    Call inside ``transaction.atomic()``. Raises ``NotMember``.
    """
    company_id = Membership.objects.filter(user=user).values_list("company_id", flat=True).first()
    if company_id is None:
        raise NotMember
    company = Company.objects.select_for_update().get(pk=company_id)
    membership = Membership.objects.filter(user=user, company=company).first()
    if membership is None:  # left or was removed while we waited for the lock
        raise NotMember
    return company, membership


def lock_company_as_owner(user) -> tuple[Company, Membership]:
    """As ``_lock_company_of``, and refuse (``NotOwner``) a user who is not an owner."""
    company, membership = _lock_company_of(user)
    if membership.role != MembershipRole.OWNER:
        raise NotOwner
    return company, membership


def _other_owners(company: Company, user) -> bool:
    return company.memberships.filter(role=MembershipRole.OWNER).exclude(user=user).exists()


def company_register(user, company: Company, sectors=()) -> Company:
    """Save a new, validated ``company`` with ``user`` as its first member (owner)."""
    with transaction.atomic():
        if Membership.objects.filter(user=user).exists():
            raise AlreadyMember
        try:
            with transaction.atomic():
                company.save()
        except IntegrityError as error:  # registered a moment ago by someone else
            raise SiretTaken(company.siret) from error
        company.sectors.set(sectors)
        Membership.objects.create(user=user, company=company, role=MembershipRole.OWNER)
    return company


def company_profile_save(user, form) -> Company:
    """Save the bound, valid ``CompanyForm`` of the user's company: owners only."""
    with transaction.atomic():
        company, _membership = lock_company_as_owner(user)
        if form.instance.pk != company.pk:
            raise NotOwner
        return form.save()


def member_role_set(user, membership_id: int, role: str) -> Membership:
    """An owner makes another member owner (to hand over) or member again.

    An owner may step down too, as long as another owner remains.
    """
    with transaction.atomic():
        company, _own = lock_company_as_owner(user)
        target = company.memberships.filter(pk=membership_id).select_related("user").first()
        if target is None:
            raise MemberNotFound
        if role not in MembershipRole.values:
            raise CompanyError
        if role == MembershipRole.MEMBER and not _other_owners(company, target.user):
            raise LastOwner
        target.role = role
        target.save(update_fields=["role"])
    return target


def member_remove(user, membership_id: int) -> Membership:
    """An owner removes another member (themselves: see ``member_leave``)."""
    with transaction.atomic():
        company, own = lock_company_as_owner(user)
        target = company.memberships.filter(pk=membership_id).select_related("user").first()
        if target is None:
            raise MemberNotFound
        if target.pk == own.pk:
            raise CompanyError(_("Pour quitter l'entreprise, utilisez « Quitter l'entreprise »."))
        target.delete()
    return target


def member_leave(user) -> Company:
    """The user leaves their company; its last owner cannot (``LastOwner``)."""
    with transaction.atomic():
        company, membership = _lock_company_of(user)
        if membership.role == MembershipRole.OWNER and not _other_owners(company, user):
            raise LastOwner
        membership.delete()
    return company


@dataclass(frozen=True)
class CompanyDeletionPreview:
    """What deleting a company takes with it; shown before the owner confirms."""

    company: Company
    application_count: int
    member_count: int


def company_deletion_preview(company: Company) -> CompanyDeletionPreview:
    return CompanyDeletionPreview(
        company=company,
        application_count=company.applications.count(),
        member_count=company.memberships.count(),
    )


def company_delete(user) -> CompanyDeletionPreview:
    """An owner deletes the company with its applications, attachments and invitations.

    The members' accounts stay, without a company. Attachment files are removed once
    the deletion is committed (``applications.signals``), so a rolled-back deletion
    never loses a file.
    """
    with transaction.atomic():
        company, _membership = lock_company_as_owner(user)
        preview = company_deletion_preview(company)
        company.delete()
    return preview
