"""Which organisations a user acts for, by the groups that provisioning gave them."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from organisations.models import Organisation

#: The group fields of ``Organisation``, by role.
ROLE_GROUPS = {
    "editors": "editors_group",
    "reviewers": "reviewers_group",
    "evaluators": "evaluators_group",
}


def organisations_for(user, roles: Iterable[str]) -> QuerySet[Organisation]:
    """The organisations in one of whose ``roles`` groups ``user`` is; all for a superuser."""
    if not user.is_authenticated or not user.is_active:
        return Organisation.objects.none()
    if user.is_superuser:
        return Organisation.objects.all()
    groups = user.groups.all()
    match = Q()
    for role in roles:
        match |= Q(**{f"{ROLE_GROUPS[role]}__in": groups})
    return Organisation.objects.filter(match).distinct()
