"""Helpers for the applicant-side tests: calls with questions, files of each type, forms."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.functional import empty

from applications.models import FormQuestion
from applications.storage import private_storage
from calls.models import CallPage
from tests.factories import edit_call

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + b"\x00" * 32
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Override PartName="/{part}" ContentType="{content_type}"/>
</Types>"""


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    declaration = CONTENT_TYPES.format(
        part="word/document.xml",
        content_type="application/vnd.openxmlformats-officedocument"
        ".wordprocessingml.document.main+xml",
    )
    return zip_bytes(
        {"[Content_Types].xml": declaration.encode(), "word/document.xml": b"<w:document/>"}
    )


def xlsx_bytes() -> bytes:
    declaration = CONTENT_TYPES.format(
        part="xl/workbook.xml",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    )
    return zip_bytes(
        {"[Content_Types].xml": declaration.encode(), "xl/workbook.xml": b"<workbook/>"}
    )


def odt_bytes() -> bytes:
    return zip_bytes(
        {"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office/>"}
    )


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def pdf(name: str = "plaquette.pdf", size: int | None = None):
    content = PDF_BYTES if size is None else PDF_BYTES + b"0" * (size - len(PDF_BYTES))
    return upload(name, content, "application/pdf")


def add_questions(call: CallPage, *questions: dict) -> list[FormQuestion]:
    """Publish the call again with these questions, as an editor does in the CMS."""
    latest = call.get_latest_revision_as_object()
    latest.form_questions = [
        FormQuestion(sort_order=i, **question) for i, question in enumerate(questions)
    ]
    latest.save_revision().publish()
    call.refresh_from_db()
    return list(FormQuestion.objects.filter(call=call).order_by("sort_order"))


def complete_fields(**overrides) -> dict:
    """The standard fields of a complete application, as the form posts them."""
    data = {
        "solution_name": "Capteurs Mistral",
        "description": "Des capteurs de qualité de l'air autonomes pour le port.",
        "maturity": "7",
        "references": "Port de Toulon, 2025.",
        "team": "Trois ingénieurs et une docteure en chimie de l'atmosphère.",
        "pilot_proposal": "Six mois sur deux quais, douze capteurs.",
        "budget_estimate": "24000",
    }
    data.update(overrides)
    return data


def apply_url(call: CallPage) -> str:
    return reverse("applications:apply", args=[call.slug])


def post_apply(client, call: CallPage, data: dict, *, submit: bool = False, **kwargs):
    intent = "submit" if submit else "draft"
    return client.post(apply_url(call), {**data, "intent": intent}, **kwargs)


def move_call(call: CallPage, **dates) -> CallPage:
    """Change a published call's dates through a revision, as the admin does."""
    return edit_call(call, **dates)


@pytest.fixture
def private_media(settings, tmp_path):
    """Files of this test in a temporary private storage, not in the project's var/."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    private_storage._wrapped = empty
    yield settings.PRIVATE_MEDIA_ROOT
    private_storage._wrapped = empty
