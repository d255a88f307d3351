"""Periodic work of the accounts app (Celery beat: ``purge-unverified-accounts``)."""

from __future__ import annotations

import logging
from datetime import timedelta

from allauth.account.models import EmailAddress
from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task
def purge_unverified_accounts() -> int:
    """Delete applicant accounts whose address was never verified within the delay.

    Only users with an applicant ``Account`` (staff have none) and no verified
    address, who signed up more than ``ACCOUNT_UNVERIFIED_EXPIRY_DAYS`` days ago.
    """
    cutoff = timezone.now() - timedelta(days=settings.ACCOUNT_UNVERIFIED_EXPIRY_DAYS)
    verified = EmailAddress.objects.filter(verified=True).values("user_id")
    expired = get_user_model().objects.filter(
        account__isnull=False, date_joined__lt=cutoff, is_staff=False, is_superuser=False
    )
    expired = expired.exclude(pk__in=verified)
    count, _details = expired.delete()
    if count:
        logger.info("purged %d row(s) of never-verified accounts", count)
    return count
