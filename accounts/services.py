"""Writes on applicant accounts that allauth does not do: deletion and what goes with it.

Sign-up, verification, login and the second factor are allauth's (see adapter.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction


def normalise_email(email: str) -> str:
    """Addresses are logins: compare and store them lower-cased, without spaces around."""
    return (email or "").strip().lower()


@dataclass(frozen=True)
class DeletionPreview:
    """What deleting an account takes with it; shown before the user confirms."""

    company: object | None
    deletes_company: bool
    application_count: int


def account_deletion_preview(user) -> DeletionPreview:
    from companies.models import Membership

    membership = Membership.objects.select_related("company").filter(user=user).first()
    if membership is None:
        return DeletionPreview(company=None, deletes_company=False, application_count=0)
    company = membership.company
    alone = not company.memberships.exclude(user=user).exists()
    return DeletionPreview(
        company=company,
        deletes_company=alone,
        application_count=company.applications.count() if alone else 0,
    )


def account_delete(user) -> DeletionPreview:
    """Delete the user, and their company with its applications if nobody else is left.

    Application files live on disk, outside the database: they are removed once the
    deletion is committed, so a rolled-back deletion never loses a file.
    """
    from applications.models import Attachment
    from companies.models import Company

    with transaction.atomic():
        preview = account_deletion_preview(user)
        if preview.deletes_company:
            company = Company.objects.select_for_update().get(pk=preview.company.pk)
            if company.memberships.exclude(user=user).exists():  # someone joined meanwhile
                preview = DeletionPreview(company, deletes_company=False, application_count=0)
            else:
                files = list(
                    Attachment.objects.filter(application__company=company).values_list(
                        "file", flat=True
                    )
                )
                company.delete()
                transaction.on_commit(lambda: _delete_files(files))
        user.delete()
    return preview


def _delete_files(names: list[str]) -> None:
    from applications.storage import private_storage

    for name in names:
        if name:
            private_storage.delete(name)
