"""The call edit form in the admin: preview, and bad input answered in French."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from calls.models import CallEvent
from tests.calls.test_permissions import call_form_data
from tests.factories import create_call, log_in_as, reviewer_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer_client(client, metropole):
    log_in_as(client, reviewer_of(metropole))
    return client


def test_preview_renders_the_unsaved_changes(reviewer_client, metropole):
    call = create_call(metropole)
    url = reverse("wagtailadmin_pages:preview_on_edit", args=[call.pk])
    data = call_form_data(call, title="Titre en cours de relecture")
    assert reviewer_client.post(url, data).json()["is_valid"] is True
    response = reviewer_client.get(url)
    assert response.status_code == 200
    assert "Titre en cours de relecture" in response.content.decode()
    call.refresh_from_db()
    assert call.title != "Titre en cours de relecture", "a preview changes nothing"


def test_a_deadline_before_the_opening_is_refused_in_french(reviewer_client, metropole):
    call = create_call(metropole)
    opens = timezone.localtime(call.opens_at)
    data = call_form_data(
        call,
        title="Titre gardé",
        closes_at=(opens - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S"),
        **{"action-publish": "action-publish"},
    )
    response = reviewer_client.post(reverse("wagtailadmin_pages:edit", args=[call.pk]), data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "La date limite doit être postérieure à la date d&#x27;ouverture." in content
    assert 'value="Titre gardé"' in content, "what the editor typed is kept"
    assert CallEvent.objects.filter(call_id=call.call_id).count() == 1


def test_a_slug_taken_by_another_call_is_refused(reviewer_client, metropole, cci):
    create_call(cci, slug="capteurs-air")
    call = create_call(metropole)
    data = call_form_data(call, slug="capteurs-air", **{"action-publish": "action-publish"})
    response = reviewer_client.post(reverse("wagtailadmin_pages:edit", args=[call.pk]), data)
    assert response.status_code == 200
    assert "Un autre appel utilise déjà cette adresse" in response.content.decode()
    call.refresh_from_db()
    assert call.slug != "capteurs-air"
