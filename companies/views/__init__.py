"""The applicant's company pages: profile, members and roles, invitations."""

from companies.views.invitations import (
    invitation,
    invitation_accept,
    invitation_cancel,
    invitation_decline,
    invite,
)
from companies.views.members import company_delete, leave, member_remove, member_role
from companies.views.profile import profile

__all__ = [
    "company_delete",
    "invitation",
    "invitation_accept",
    "invitation_cancel",
    "invitation_decline",
    "invite",
    "leave",
    "member_remove",
    "member_role",
    "profile",
]
