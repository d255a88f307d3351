"""Celery tasks of the applications app: thin wrappers around domain functions."""

from __future__ import annotations

from celery import shared_task

from applications.purge import applications_purge


@shared_task
def purge_expired_applications() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): the GDPR purge; returns how many applications went."""
    return applications_purge().applications
