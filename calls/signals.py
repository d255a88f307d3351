"""Thin handlers: the CMS changed a call, so record its state in the same transaction."""

from django.db.models.signals import pre_delete
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from calls import lifecycle
from calls.models import CallPage


@receiver(page_published, sender=CallPage)
def call_published(sender, instance: CallPage, **kwargs) -> None:
    lifecycle.record_call_state(instance.pk)


@receiver(page_unpublished, sender=CallPage)
def call_unpublished(sender, instance: CallPage, **kwargs) -> None:
    lifecycle.record_call_state(instance.pk)


@receiver(pre_delete, sender=CallPage)
def call_deleted(sender, instance: CallPage, **kwargs) -> None:
    lifecycle.record_call_deleted(instance)
