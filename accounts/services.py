"""Writes on applicant accounts: sign-up, e-mail verification, deletion.

Views call these and turn the domain errors into French messages.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account
from accounts.tokens import InvalidToken, verification_token_make, verification_token_read
from portal.mail import send_templated_mail


class AccountError(Exception):
    """A request on an account that its current state does not allow."""


class EmailTaken(AccountError):
    pass


class AlreadyVerified(AccountError):
    pass


def normalise_email(email: str) -> str:
    """Addresses are logins: compare and store them lower-cased, without spaces around."""
    return (email or "").strip().lower()


def email_is_taken(email: str) -> bool:
    email = normalise_email(email)
    return (
        get_user_model().objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists()
    )


def account_create(*, email: str, first_name: str, last_name: str, password: str):
    """Create the user and its account, not verified yet, and send the verification mail.

    ``password`` must already have passed the password validators (the form does it
    with the user's names at hand).
    """
    email = normalise_email(email)
    if email_is_taken(email):
        raise EmailTaken(email)
    user_model = get_user_model()
    try:
        with transaction.atomic():
            user = user_model(
                username=email, email=email, first_name=first_name, last_name=last_name
            )
            user.set_password(password)
            user.save()
            Account.objects.create(
                user=user,
                consent_at=timezone.now(),
                consent_version=settings.ACCOUNT_CONSENT_VERSION,
            )
    except IntegrityError as error:  # the same address signed up a moment ago
        raise EmailTaken(email) from error
    verification_mail_send(user)
    return user


def verification_mail_send(user) -> None:
    token = verification_token_make(user)
    send_templated_mail(
        "accounts/email/verification",
        {
            "user": user,
            "path": reverse("accounts:verify", args=[token]),
            "hours": settings.ACCOUNT_VERIFICATION_MAX_AGE_SECONDS // 3600,
        },
        [user.email],
    )


def verification_mail_resend(email: str) -> bool:
    """Send a new link if an unverified account has this address; say whether one was sent.

    The view tells the visitor the same thing either way, so that the page does not
    reveal which addresses have an account.
    """
    account = (
        Account.objects.select_related("user")
        .filter(user__username=normalise_email(email), email_verified_at__isnull=True)
        .first()
    )
    if account is None:
        return False
    verification_mail_send(account.user)
    return True


def account_verify(token: str):
    """Mark the address of the token's user as verified and return the user.

    A link works once: after the address is verified it logs nobody in any more.
    Raises ``InvalidToken`` (or ``ExpiredToken``) and ``AlreadyVerified``.
    """
    claim = verification_token_read(token)
    with transaction.atomic():
        account = (
            Account.objects.select_for_update()
            .select_related("user")
            .filter(user_id=claim.user_id)
            .first()
        )
        if account is None or normalise_email(account.user.email) != normalise_email(claim.email):
            raise InvalidToken
        if account.is_verified:
            raise AlreadyVerified(account.user.email)
        account.email_verified_at = timezone.now()
        account.save(update_fields=["email_verified_at"])
    return account.user


def account_mark_verified(user: AbstractBaseUser) -> None:
    """Someone who received a password-reset mail has proved they read the mailbox too."""
    Account.objects.filter(user=user, email_verified_at__isnull=True).update(
        email_verified_at=timezone.now()
    )


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
