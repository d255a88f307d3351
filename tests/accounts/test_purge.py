"""Accounts whose address was never verified are deleted after ACCOUNT_UNVERIFIED_EXPIRY_DAYS."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.tasks import purge_unverified_accounts
from tests.factories import UserFactory, applicant

pytestmark = pytest.mark.django_db
User = get_user_model()


def joined(user, days_ago: int):
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - timedelta(days=days_ago))
    return user


def test_the_task_deletes_only_old_unverified_applicants(settings):
    """Old code: unverified accounts never expired."""
    settings.ACCOUNT_UNVERIFIED_EXPIRY_DAYS = 7
    old_unverified = joined(applicant(verified=False, company=False), 8)
    new_unverified = joined(applicant(verified=False, company=False), 2)
    old_verified = joined(applicant(company=False), 30)
    staff = joined(UserFactory(username="redactrice"), 30)  # no Account, no address row
    purge_unverified_accounts()
    remaining = set(User.objects.values_list("pk", flat=True))
    assert old_unverified.pk not in remaining
    assert {new_unverified.pk, old_verified.pk, staff.pk} <= remaining


def test_the_task_is_scheduled():
    entry = settings.CELERY_BEAT_SCHEDULE["purge-unverified-accounts"]
    assert entry["task"] == "accounts.tasks.purge_unverified_accounts"
