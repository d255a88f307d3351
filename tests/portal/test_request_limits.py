"""Oversized requests get a clear French refusal (400 or 413), never a 500.

Limits are lowered with ``settings`` so that a test body stays small; the middleware
and Django read them on each request.
"""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache

from applications.models import Attachment
from portal.request_limits import request_body_limit
from tests.applications.applying import pdf, post_apply, private_media  # noqa: F401
from tests.factories import applicant, create_call

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()


@pytest.fixture
def small_limits(settings):
    """A whole-request cap of 4 000 bytes: 3 000 of files plus 1 000 of text."""
    settings.APPLICATION_FILE_MAX_BYTES = 3000
    settings.APPLICATION_TOTAL_MAX_BYTES = 3000
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 1000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    return settings


def test_a_text_body_over_the_limit_gets_the_french_400_page(client, site_structure, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post("/compte/connexion/", {"username": "x" * 3000, "password": "y"})
    assert response.status_code == 400
    content = response.content.decode()
    assert '<html lang="fr">' in content and "Demande refusée" in content
    assert "trop volumineux" in content


def test_too_many_fields_get_the_french_400_page(client, site_structure, settings):
    fields = {f"champ{n}": "x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = client.post("/compte/connexion/", fields)
    assert response.status_code == 400
    assert "Demande refusée" in response.content.decode()


@pytest.mark.usefixtures("private_media")
def test_an_application_over_the_whole_request_cap_gets_a_french_413(
    client, metropole, small_limits
):
    call = create_call(metropole, title="Bouées connectées")
    client.force_login(applicant(email="lea@mistral.test"))
    files = [pdf("un.pdf", size=2500), pdf("deux.pdf", size=2500)]

    response = post_apply(client, call, {"attachments": files})
    assert response.status_code == 413
    content = response.content.decode()
    assert "Envoi trop volumineux" in content and "3,9\xa0Kio" in content
    assert not Attachment.objects.exists()

    accepted = post_apply(client, call, {"attachments": [pdf("un.pdf", size=2500)]})
    assert accepted.status_code == 302, "an upload within the cap still goes through"
    assert Attachment.objects.get().original_name == "un.pdf"


def test_api_clients_get_the_refusal_in_json(client, small_limits):
    body = json.dumps({"q": "x" * 5000})
    response = client.post("/api/v1/calls/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {
        "error": "request_too_large",
        "message": "Envoi trop volumineux : 3,9\xa0Kio au plus par requête.",
        "fields": {},
    }


def test_the_cap_covers_a_whole_application_with_its_text(settings):
    assert request_body_limit() >= (
        settings.APPLICATION_TOTAL_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    )
    assert request_body_limit() > settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE
