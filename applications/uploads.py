"""What an applicant may attach, checked from the file's content rather than its name.

A file is accepted when its extension is one of ``ALLOWED_TYPES``, its content is
really of that type (magic bytes through ``filetype``; for the ZIP-based office
formats, the declaration inside the archive, so that a renamed ZIP is refused) and
its size is within the limits. Every refusal is a ``ValidationError`` in French
naming the file, which the form shows next to its field.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

PDF = "application/pdf"
ODT = "application/vnd.oasis.opendocument.text"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PNG = "image/png"
JPEG = "image/jpeg"

#: Accepted extensions and the content type their content must have.
ALLOWED_TYPES: dict[str, str] = {
    "pdf": PDF,
    "odt": ODT,
    "docx": DOCX,
    "xlsx": XLSX,
    "png": PNG,
    "jpg": JPEG,
    "jpeg": JPEG,
}
ACCEPT_ATTRIBUTE = ",".join(f".{extension}" for extension in ALLOWED_TYPES)
TYPE_NAMES = "PDF, ODT, DOCX, XLSX, PNG ou JPEG"

# The part of [Content_Types].xml that says what an Office Open XML package holds.
_OOXML_MAIN_PARTS = {
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
_ZIP_FAMILY = {"application/zip", ODT, DOCX, XLSX, "application/epub+zip"}
# Declarations inside an archive are a few kilobytes; anything bigger is not one.
_MAX_DECLARATION_BYTES = 1024 * 1024
_HEAD_BYTES = 8192


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed every check, with what is stored about it."""

    upload: UploadedFile
    content_type: str
    size: int
    sha256: str

    @property
    def name(self) -> str:
        return self.upload.name or ""


def check_upload(upload: UploadedFile) -> CheckedFile:
    """Accept ``upload`` or raise a ``ValidationError`` that says what is wrong with it."""
    name = PurePosixPath(upload.name or "").name
    if upload.size == 0:
        raise ValidationError(_("Le fichier « %(name)s » est vide.") % {"name": name})
    if upload.size > settings.APPLICATION_FILE_MAX_BYTES:
        raise ValidationError(
            _("Le fichier « %(name)s » dépasse la taille maximale de %(max)s par fichier.")
            % {"name": name, "max": filesizeformat(settings.APPLICATION_FILE_MAX_BYTES)}
        )
    extension = PurePosixPath(name).suffix.lower().lstrip(".")
    expected = ALLOWED_TYPES.get(extension)
    if expected is None:
        raise ValidationError(
            _("Le fichier « %(name)s » n'est pas d'un type accepté (%(types)s).")
            % {"name": name, "types": TYPE_NAMES}
        )
    if sniff_content_type(upload) != expected:
        raise ValidationError(
            _(
                "Le contenu du fichier « %(name)s » n'est pas celui d'un fichier %(type)s : "
                "vérifiez qu'il n'a pas été renommé."
            )
            % {"name": name, "type": extension.upper()}
        )
    return CheckedFile(upload, expected, upload.size, sha256_of(upload))


def sniff_content_type(upload: UploadedFile) -> str | None:
    """The content type read from the bytes, or None when nothing known matches."""
    upload.seek(0)
    head = upload.read(_HEAD_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None:
        return None
    if kind.mime in _ZIP_FAMILY:
        return _office_content_type(upload)
    return kind.mime


def _office_content_type(upload: UploadedFile) -> str | None:
    """ODT, DOCX or XLSX as the archive itself declares it; None for any other ZIP."""
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                declared = _read_small(archive, "mimetype").strip()
                return ODT if declared == ODT.encode() else None
            if "[Content_Types].xml" in names:
                declarations = _read_small(archive, "[Content_Types].xml")
                for content_type, main_part in _OOXML_MAIN_PARTS.items():
                    if main_part.encode() in declarations:
                        return content_type
            return None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        return None
    finally:
        upload.seek(0)


def _read_small(archive: zipfile.ZipFile, member: str) -> bytes:
    if archive.getinfo(member).file_size > _MAX_DECLARATION_BYTES:
        return b""
    return archive.read(member)


def sha256_of(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()
