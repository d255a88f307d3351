"""What editors upload never runs as a page of the site.

SVG (a document that can carry scripts) is refused, even renamed; every file the
project serves from uploads (image renditions, Wagtail documents) is sent with
``nosniff`` and a sandboxing CSP.
"""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.documents.models import Document
from wagtail.images.models import Image

from tests.factories import UserFactory, log_in_as

pytestmark = pytest.mark.django_db

SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.domain)</script><rect width='10' height='10'/></svg>"
)
SANDBOX = "sandbox; default-src 'none'"


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (8, 8), "teal").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def media_root(settings, tmp_path, site_structure):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def admin_client(client, media_root):
    log_in_as(client, UserFactory(username="admin", is_staff=True, is_superuser=True))
    return client


def upload_image(client, name: str, content: bytes):
    file = SimpleUploadedFile(name, content, content_type="image/png")
    return client.post(reverse("wagtailimages:add"), {"title": "Visuel", "file": file})


@pytest.mark.parametrize("name", ["visuel.svg", "visuel.png"])
def test_svg_images_are_refused_even_renamed(admin_client, name):
    response = upload_image(admin_client, name, SVG)
    assert response.status_code == 200, "the form comes back with its error"
    assert not Image.objects.exists()


def test_a_real_png_is_still_accepted(admin_client):
    response = upload_image(admin_client, "visuel.png", png_bytes())
    assert response.status_code == 302
    assert Image.objects.get().title == "Visuel"


def test_renditions_are_served_sandboxed(client, media_root, settings):
    settings.ROOT_URLCONF = "tests.portal.media_urls"
    image = Image.objects.create(title="Visuel", file=ContentFile(png_bytes(), "visuel.png"))
    rendition = image.get_rendition("width-4")

    response = client.get(rendition.url)
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == SANDBOX
    assert response["X-Content-Type-Options"] == "nosniff"


def test_documents_are_served_sandboxed(client, media_root):
    html = b"<html><script>alert(document.cookie)</script></html>"
    document = Document.objects.create(title="Note", file=ContentFile(html, "note.txt"))

    response = client.get(document.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == html
    assert response["Content-Security-Policy"] == SANDBOX
    assert response["X-Content-Type-Options"] == "nosniff"


def test_pages_of_the_site_keep_their_own_policy(client, site_structure):
    response = client.get("/")
    assert "sandbox" not in response["Content-Security-Policy"]
