"""CallEvents are written in the change's transaction and reach a real worker after commit."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from calls import dispatch
from calls.models import CallEvent, CallPage
from tests.conftest import wait_until
from tests.factories import create_call, edit_call


class Boom(Exception):
    pass


@pytest.mark.django_db
def test_a_rolled_back_publication_leaves_no_event_and_queues_nothing(metropole, monkeypatch):
    queued = []
    monkeypatch.setattr(dispatch, "dispatch_event", queued.append)
    call = create_call(metropole, publish=False)
    with pytest.raises(Boom), transaction.atomic():
        call.get_latest_revision().publish()
        assert CallEvent.objects.count() == 1, "written inside the same transaction"
        raise Boom
    call.refresh_from_db()
    assert not call.live
    assert call.call_id is None
    assert not CallEvent.objects.exists()
    assert queued == []


@pytest.mark.django_db
def test_a_rolled_back_edit_keeps_the_previous_version(metropole):
    call = create_call(metropole)
    with pytest.raises(Boom), transaction.atomic():
        edit_call(call, title="Titre jamais publié")
        raise Boom
    call.refresh_from_db()
    assert (call.title, call.version) != ("Titre jamais publié", 2)
    assert CallEvent.objects.filter(call_id=call.call_id).count() == 1


@pytest.mark.django_db
def test_dispatch_waits_for_commit(metropole, monkeypatch, django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr(dispatch, "dispatch_event", queued.append)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        call = create_call(metropole)
    assert queued == [], "nothing may reach the worker before the commit"
    for callback in callbacks:
        callback()
    assert queued == [CallEvent.objects.get(call_id=call.call_id).pk]


@pytest.mark.django_db
def test_the_relayed_snapshot_holds_the_call(metropole):
    call = create_call(
        metropole,
        title="Capteurs pour l'air",
        location="Marseille (13)",
        sectors=["energie_environnement"],
    )
    event = CallEvent.objects.get(call_id=call.call_id)
    snapshot = event.snapshot
    assert snapshot["call_id"] == call.call_id
    assert snapshot["version"] == 1
    assert snapshot["kind"] == "appel_a_solutions"
    assert snapshot["title"] == "Capteurs pour l'air"
    assert snapshot["issuer"] == {"name": metropole.name, "siret": None}
    assert snapshot["sectors"] == ["energie_environnement"]
    assert snapshot["status"] == "open"
    assert snapshot["url"].endswith(f"/appels/{call.slug}/")
    assert snapshot["closes_at"] == timezone.localtime(call.closes_at).isoformat()
    assert "<h3>Contexte</h3><p>Contexte de l'appel.</p>" in snapshot["description_html"]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_committed_events_are_processed_by_a_real_worker(metropole, celery_worker_process):
    call = create_call(metropole)
    edit_call(call, summary="Résumé modifié.")
    events = CallEvent.objects.filter(call_id=call.call_id)
    assert events.count() == 2
    wait_until(lambda: not events.filter(processed_at__isnull=True).exists())
    assert all(e.dispatched_at for e in events)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_event_whose_message_was_lost_is_sent_again(metropole, celery_worker_process):
    """The process died between commit and enqueue, or the broker was flushed."""
    from portal.celery import app

    with transaction.atomic():
        call = create_call(metropole)
        event = CallEvent.objects.get(call_id=call.call_id)
        # Simulate losing the message: the commit happened, the enqueue did not.
        transaction.get_connection().run_on_commit.clear()
    assert CallEvent.objects.get(pk=event.pk).dispatched_at is None
    assert dispatch.redispatch_stale_events() == 1
    wait_until(lambda: CallEvent.objects.get(pk=event.pk).processed_at)

    # A dispatched message flushed from the broker before any worker took it.
    second = edit_call(call, title="Nouveau titre").events.order_by("-version").first()
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)
    wait_until(lambda: CallEvent.objects.get(pk=second.pk).dispatched_at)
    later = timezone.now() + dispatch.REDISPATCH_AFTER + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        dispatch.redispatch_stale_events()
    wait_until(lambda: CallEvent.objects.get(pk=second.pk).processed_at)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_scheduler_task_closes_a_call_through_the_worker(metropole, celery_worker_process):
    from calls.tasks import reconcile_call_states

    call = create_call(
        metropole,
        opens_at=timezone.now() - timedelta(days=2),
        closes_at=timezone.now() + timedelta(seconds=2),
    )
    wait_until(lambda: timezone.now() > call.closes_at, timeout=5)
    reconcile_call_states.delay()
    closed = wait_until(
        lambda: CallEvent.objects.filter(call_id=call.call_id, kind="call.closed").first()
    )
    assert closed.version == 2
    wait_until(lambda: CallEvent.objects.get(pk=closed.pk).processed_at)
    assert CallPage.objects.get(pk=call.pk).status == "closed"


@pytest.mark.django_db(transaction=True)
def test_an_event_locked_for_an_instant_is_processed_not_skipped(metropole):
    """The dispatcher's UPDATE holds the row while a fast worker arrives: it must wait."""
    import threading

    from django.db import connection

    call = create_call(metropole)
    event = CallEvent.objects.filter(call_id=call.call_id).latest("pk")
    CallEvent.objects.filter(pk=event.pk).update(processed_at=None)
    outcome: list[bool] = []

    def worker() -> None:
        try:
            outcome.append(dispatch.process_event(event.pk))
        finally:
            connection.close()

    with transaction.atomic():
        CallEvent.objects.select_for_update().get(pk=event.pk)
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join(timeout=1)
        assert thread.is_alive(), "the worker waits for the lock instead of skipping the event"
    thread.join(timeout=20)
    assert outcome == [True]
    event.refresh_from_db()
    assert event.processed_at is not None
