"""Celery tasks of the companies app: thin wrappers around domain functions."""

from __future__ import annotations

from celery import shared_task

from companies.invitations import invitations_purge_expired


@shared_task
def purge_expired_invitations() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): expired invitations and their addresses go (GDPR)."""
    return invitations_purge_expired()
