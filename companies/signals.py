"""Keep companies consistent when accounts are deleted, whatever deletes them.

An account can go from its GDPR page, from the CMS or from a script: the invitations
to its address go with it, and a company whose last owner's account is deleted does
not stay without an owner (its longest-standing member takes over).
"""

from __future__ import annotations

from django.conf import settings
from django.db.models.signals import post_delete
from django.dispatch import receiver

from companies.invitations import invitations_forget_address
from companies.models import Company, Membership, MembershipRole


@receiver(post_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="companies.user_deleted")
def user_deleted(sender, instance, **kwargs) -> None:
    if instance.email:
        invitations_forget_address(instance.email)


@receiver(post_delete, sender=Membership, dispatch_uid="companies.membership_deleted")
def membership_deleted(sender, instance: Membership, **kwargs) -> None:
    if instance.role != MembershipRole.OWNER:
        return
    # Locked like every membership change (companies.services); gone if the company is.
    company = Company.objects.select_for_update().filter(pk=instance.company_id).first()
    if company is None:
        return
    memberships = company.memberships.order_by("joined_at", "pk")
    if memberships.filter(role=MembershipRole.OWNER).exists():
        return
    successor = memberships.first()
    if successor is not None:
        successor.role = MembershipRole.OWNER
        successor.save(update_fields=["role"])
