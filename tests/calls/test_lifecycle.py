"""A call's life: numbering, versions, statuses over time, close and withdraw."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from calls import lifecycle
from calls.constants import CallStatus
from calls.models import CallEvent, CallPage
from tests.factories import create_call, edit_call

pytestmark = pytest.mark.django_db


def events_of(call):
    return list(
        CallEvent.objects.filter(call_id=call.call_id)
        .order_by("version")
        .values_list("version", "kind")
    )


def test_first_publication_numbers_the_call_and_records_published(metropole):
    call = create_call(metropole)
    year = timezone.localtime().year
    assert call.call_id == f"AMP-{year}-0001"
    assert call.version == 1
    assert call.status == CallStatus.OPEN
    assert events_of(call) == [(1, "call.published")]


def test_a_draft_has_no_number_and_no_event(metropole):
    call = create_call(metropole, publish=False)
    assert call.call_id is None
    assert not CallEvent.objects.exists()


def test_call_ids_are_sequential_and_never_reused(metropole):
    first = create_call(metropole)
    second = create_call(metropole)
    first.delete()
    third = create_call(metropole)
    numbers = [c.call_id.rsplit("-", 1)[1] for c in (first, second, third)]
    assert numbers == ["0001", "0002", "0003"]


def test_call_id_survives_edits_slug_changes_and_stale_drafts(metropole):
    call = create_call(metropole, publish=False)  # draft revision saved before numbering
    stale_draft = call.get_latest_revision()
    stale_draft.publish()
    call.refresh_from_db()
    call_id = call.call_id
    edit_call(call, slug="nouvelle-adresse", title="Nouveau titre")
    # Publishing the very first draft again must not wipe the number.
    stale_draft.publish()
    call.refresh_from_db()
    assert call.call_id == call_id
    assert call.version == 3


def test_version_increments_only_when_a_relayed_field_changes(metropole):
    call = create_call(metropole)
    edit_call(call, budget="50 000 € HT", contact_email="autre@example.test")
    assert call.version == 1, "budget and contact are not relayed"
    edit_call(call, summary="Un résumé corrigé.")
    assert call.version == 2
    edit_call(call, sectors=["sante", "maritime_logistique"])
    assert call.version == 3
    assert events_of(call) == [(1, "call.published"), (2, "call.updated"), (3, "call.updated")]
    latest = CallEvent.objects.get(call_id=call.call_id, version=3)
    assert latest.snapshot["sectors"] == ["maritime_logistique", "sante"]
    assert latest.snapshot["summary"] == "Un résumé corrigé."


def test_publishing_an_identical_revision_records_nothing(metropole):
    call = create_call(metropole)
    edit_call(call)
    assert events_of(call) == [(1, "call.published")]


def test_status_follows_the_clock_and_the_scheduler_records_transitions(metropole):
    now = timezone.now()
    call = create_call(
        metropole, opens_at=now + timedelta(hours=1), closes_at=now + timedelta(hours=2)
    )
    assert call.status == CallStatus.UPCOMING
    assert lifecycle.reconcile_call_states(now) == []

    with time_machine.travel(now + timedelta(hours=1, seconds=1), tick=False):
        assert call.current_status == CallStatus.OPEN
        assert CallPage.objects.open().filter(pk=call.pk).exists()
        [opened] = lifecycle.reconcile_call_states()
        assert (opened.kind, opened.snapshot["status"]) == ("call.updated", "open")

    with time_machine.travel(now + timedelta(hours=2), tick=False):
        assert call.current_status == CallStatus.CLOSED
        [closed] = lifecycle.reconcile_call_states()
        assert (closed.kind, closed.version) == ("call.closed", 3)
        assert lifecycle.reconcile_call_states() == [], "a transition is recorded once"


def test_one_second_before_the_deadline_the_call_is_open(metropole):
    closes_at = timezone.now() + timedelta(days=1)
    call = create_call(metropole, closes_at=closes_at)
    assert lifecycle.compute_status(call, closes_at - timedelta(seconds=1)) == CallStatus.OPEN
    assert lifecycle.compute_status(call, closes_at) == CallStatus.CLOSED


def test_close_early_records_closed_with_reason(metropole):
    call = create_call(metropole)
    event = lifecycle.call_close(call, reason="Budget épuisé")
    call.refresh_from_db()
    assert event.kind == "call.closed" and event.snapshot["status"] == "closed"
    assert call.current_status == CallStatus.CLOSED
    assert call.closure_reason == "Budget épuisé"
    with pytest.raises(lifecycle.CallActionError):
        lifecycle.call_close(call, reason="encore")


def test_close_requires_a_reason(metropole):
    call = create_call(metropole)
    with pytest.raises(lifecycle.CallActionError):
        lifecycle.call_close(call, reason="   ")
    assert events_of(call) == [(1, "call.published")]


def test_withdraw_records_withdrawn_and_hides_from_listings(metropole):
    call = create_call(metropole)
    event = lifecycle.call_withdraw(call, reason="Projet abandonné")
    assert event.kind == "call.withdrawn"
    assert not CallPage.objects.public_listing().filter(pk=call.pk).exists()
    call.refresh_from_db()
    # Later edits keep it withdrawn: the lifecycle fields are not part of revisions.
    edit_call(call, title="Titre modifié après retrait")
    assert call.current_status == CallStatus.WITHDRAWN
    assert [k for _, k in events_of(call)] == ["call.published", "call.withdrawn"]


def test_unpublish_then_republish(metropole):
    call = create_call(metropole)
    call.unpublish()
    call.refresh_from_db()
    call.get_latest_revision().publish()
    assert [k for _, k in events_of(call)] == ["call.published", "call.withdrawn", "call.published"]


def test_deleting_a_published_call_withdraws_it(metropole):
    call = create_call(metropole)
    call_id = call.call_id
    call.delete()
    assert list(CallEvent.objects.filter(call_id=call_id).values_list("kind", flat=True)) == [
        "call.published",
        "call.withdrawn",
    ]


def test_scheduled_publication_happens_by_itself(metropole):
    now = timezone.now()
    call = create_call(metropole, publish=False, go_live_at=now + timedelta(minutes=5))
    call.get_latest_revision().publish()  # approved for later: not live yet
    call.refresh_from_db()
    assert not call.live and not CallEvent.objects.exists()
    from calls.tasks import publish_scheduled_pages

    with time_machine.travel(now + timedelta(minutes=6), tick=False):
        publish_scheduled_pages()
    call.refresh_from_db()
    assert call.live
    assert events_of(call) == [(1, "call.published")]


def test_slug_must_be_unique_across_organisations(metropole, cci):
    from django.core.exceptions import ValidationError

    create_call(metropole, slug="capteurs")
    with pytest.raises(ValidationError) as error:
        create_call(cci, slug="capteurs")
    assert "slug" in error.value.message_dict
