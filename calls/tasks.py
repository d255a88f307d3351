"""Celery tasks of the calls app: thin wrappers that take ids and call domain functions."""

from celery import shared_task
from django.core.management import call_command
from django.db import transaction

from calls import dispatch, lifecycle


@shared_task(acks_late=True)
def process_call_event(event_id: int) -> bool:
    return dispatch.process_event(event_id)


@shared_task
def redispatch_call_events() -> int:
    return dispatch.redispatch_stale_events()


@shared_task
def reconcile_call_states(full: bool = False) -> int:
    return len(lifecycle.reconcile_call_states(full=full))


@shared_task
def publish_scheduled_pages() -> None:
    """Wagtail's scheduled publication; atomic so each publication and its event commit together."""
    with transaction.atomic():
        call_command("publish_scheduled", verbosity=0)
