"""Where application files live: outside the public media, served only by a view.

The storage refuses to build a URL, so no template can link to a file by mistake;
the download views stream a file after checking who asks.
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.dispatch import receiver
from django.test.signals import setting_changed
from django.utils.functional import LazyObject, empty


class PrivateFileSystemStorage(FileSystemStorage):
    def url(self, name: str | None) -> str:
        raise ValueError("Private files have no public URL: use the download views.")


class PrivateStorage(LazyObject):
    def _setup(self) -> None:
        self._wrapped = PrivateFileSystemStorage(
            location=settings.PRIVATE_MEDIA_ROOT, file_permissions_mode=0o600
        )


private_storage = PrivateStorage()


def get_private_storage() -> PrivateStorage:
    """For ``FileField(storage=...)``: a callable keeps the storage (and its path) out of
    migrations, which would otherwise freeze this machine's folder into them."""
    return private_storage


@receiver(setting_changed)
def reset_private_storage(*, setting: str, **kwargs) -> None:
    """Tests move PRIVATE_MEDIA_ROOT to a temporary folder: follow it."""
    if setting == "PRIVATE_MEDIA_ROOT":
        private_storage._wrapped = empty


def attachment_path(instance, filename: str) -> str:
    """A random name per file: the original name is kept in the row, never in the path."""
    suffix = PurePosixPath(filename).suffix.lower()[:8]
    return f"applications/{instance.application.call_id}/{uuid.uuid4().hex}{suffix}"
