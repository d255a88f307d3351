"""Stored files follow their rows: deleting an Attachment (even by cascade) deletes its file."""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from applications.models import Attachment
from applications.storage import private_storage


def delete_stored_file(name: str) -> None:
    """Remove a file from the private storage; a missing file is already gone."""
    if name:
        private_storage.delete(name)


@receiver(post_delete, sender=Attachment, dispatch_uid="applications.attachment_file")
def attachment_deleted(sender, instance: Attachment, **kwargs) -> None:
    # After commit: a rolled-back deletion must still find its file.
    transaction.on_commit(partial(delete_stored_file, instance.file.name))
