"""Where application files live: outside the public media, served only by a view.

The storage has no ``base_url``, so nothing can build a public link to a file;
``applications.views`` streams a file after checking who asks.
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.functional import LazyObject


class PrivateStorage(LazyObject):
    def _setup(self) -> None:
        self._wrapped = FileSystemStorage(
            location=settings.PRIVATE_MEDIA_ROOT, base_url=None, file_permissions_mode=0o600
        )


private_storage = PrivateStorage()


def attachment_path(instance, filename: str) -> str:
    """A random name per file: the original name is kept in the row, never in the path."""
    suffix = PurePosixPath(filename).suffix.lower()[:8]
    return f"applications/{instance.application.call_id}/{uuid.uuid4().hex}{suffix}"
