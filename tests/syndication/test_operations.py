"""Opt-outs, re-sync and status, run in this process against the simulators."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from calls.models import CallEvent, CallPage
from syndication.delivery import poll_deliveries, run_delivery
from syndication.models import Delivery, DeliveryState, Partner
from tests.factories import create_call, edit_call


@pytest.fixture
def inline(monkeypatch):
    """Deliver as soon as a delivery is dispatched, in this process (no broker)."""
    import syndication.delivery as engine
    from calls import dispatch as call_dispatch

    monkeypatch.setattr(call_dispatch, "dispatch_event", call_dispatch.process_event)

    def deliver_now(ids):
        for delivery_id in list(ids):
            run_delivery(delivery_id)
        return len(ids)

    monkeypatch.setattr(engine, "dispatch", deliver_now)
    return deliver_now


pytestmark = pytest.mark.django_db(transaction=True)


def test_a_call_opted_out_of_a_partner_is_withdrawn_there_only(
    partners, simulators, metropole, inline
):
    call = create_call(metropole, title="Appel relayé partout")
    assert simulators["pactepme"].records() and simulators["mba"].records()
    call = edit_call(call, syndication_opt_outs=[partners["pactepme"]])
    assert simulators["pactepme"].records() == []
    assert [r["version"] for r in simulators["mba"].records()] == [call.version]
    edit_call(call, title="Appel relayé vers MBA seulement")
    assert simulators["pactepme"].records() == []
    assert len(simulators["pactepme"].state()["deleted"]) == 1


def test_syndicate_resends_the_latest_state_to_a_new_partner(
    partners, simulators, metropole, inline, capsys
):
    Partner.objects.filter(kind="pactepme").update(enabled=False)
    kept = create_call(metropole, title="Appel publié avant le partenaire")
    edit_call(kept, title="Appel publié avant le partenaire, modifié")
    gone = create_call(metropole, title="Appel retiré avant le partenaire")
    from calls import lifecycle

    lifecycle.call_withdraw(gone, reason="Annulé")
    assert simulators["pactepme"].records() == []

    with pytest.raises(CommandError, match="désactivée"):
        call_command("syndicate", "--partner", "pactepme")
    Partner.objects.filter(kind="pactepme").update(enabled=True)
    call_command("syndicate", "--partner", "pactepme")
    out = capsys.readouterr().out
    assert "1 envoi(s) planifié(s), 1 appel(s) sans rien à envoyer" in out
    [record] = simulators["pactepme"].records()
    assert record["external_reference"] == kept.call_id and record["revision"] == 2

    call_command("syndicate", "--partner", "all", "--call", kept.call_id)
    assert len(simulators["pactepme"].records()) == 1, "a re-sync never duplicates"
    with pytest.raises(CommandError, match="inconnu"):
        call_command("syndicate", "--partner", "mba", "--call", "AMP-1999-0001")
    with pytest.raises(CommandError, match="date invalide"):
        call_command("syndicate", "--partner", "mba", "--since", "hier")


def test_an_older_version_is_never_sent_after_a_newer_one(partners, simulators, metropole):
    call = create_call(metropole, title="Appel v1")  # no worker: deliveries wait
    edit_call(call, title="Appel v2")
    for event in CallEvent.objects.order_by("version"):
        from syndication.delivery import plan_event_deliveries

        plan_event_deliveries(event)
    states = dict(Delivery.objects.filter(partner__kind="mba").values_list("version", "state"))
    assert states == {1: DeliveryState.SUPERSEDED, 2: DeliveryState.PENDING}
    old = Delivery.objects.get(partner__kind="mba", version=1)
    assert run_delivery(old.pk) is None
    new = Delivery.objects.get(partner__kind="mba", version=2)
    assert run_delivery(new.pk) == DeliveryState.DELIVERED
    assert [r["version"] for r in simulators["mba"].records()] == [2]


def test_status_command_and_poller(partners, simulators, metropole, capsys, monkeypatch):
    import syndication.delivery as engine

    dispatched: list[int] = []
    monkeypatch.setattr(engine, "dispatch", lambda ids: dispatched.extend(ids) or len(ids))
    simulators["mba"].faults(fail_all=True, status=503)
    call = create_call(metropole, title="Appel en souffrance")
    from syndication.delivery import plan_event_deliveries

    plan_event_deliveries(CallEvent.objects.get(call_id=call.call_id))
    delivery = Delivery.objects.get(partner__kind="mba")
    assert run_delivery(delivery.pk) == DeliveryState.RETRYING
    call_command("syndication_status")
    out = capsys.readouterr().out
    assert "en attente        : 1" in out and "réussite (24 h)   : 0 %" in out
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.created_at)
    other = Delivery.objects.get(partner__kind="pactepme")
    Delivery.objects.filter(pk=other.pk).update(
        state=DeliveryState.IN_FLIGHT, lease_until=delivery.created_at, claimed_by="dead-worker"
    )
    dispatched.clear()
    assert sorted(poll_deliveries()) == sorted([delivery.pk, other.pk])
    assert sorted(dispatched) == sorted([delivery.pk, other.pk])
    other.refresh_from_db()
    assert other.state == DeliveryState.RETRYING and other.claimed_by == ""
    assert other.attempts.get().outcome == "lost"


def test_old_history_is_pruned_but_the_latest_state_kept(partners, simulators, metropole):
    from datetime import timedelta

    from django.utils import timezone

    from syndication.delivery import plan_event_deliveries, prune_history
    from syndication.models import DeliveryAttempt

    call = create_call(metropole, title="Appel ancien v1")
    edit_call(call, title="Appel ancien v2")
    for event in CallEvent.objects.order_by("version"):
        plan_event_deliveries(event)
    latest = Delivery.objects.get(partner__kind="mba", version=2)
    assert run_delivery(latest.pk) == DeliveryState.DELIVERED
    long_ago = timezone.now() - timedelta(days=200)
    Delivery.objects.update(created_at=long_ago)
    DeliveryAttempt.objects.update(started_at=long_ago)
    recent = Delivery.objects.get(partner__kind="pactepme", version=2)
    assert run_delivery(recent.pk) == DeliveryState.DELIVERED

    attempts, deliveries = prune_history()
    assert (attempts, deliveries) == (1, 2)  # MBA's old attempt; both superseded v1
    assert set(Delivery.objects.values_list("partner__kind", "version")) == {
        ("mba", 2),
        ("pactepme", 2),
    }
    assert DeliveryAttempt.objects.get().delivery == recent


# --- Batches ---------------------------------------------------------------------------


@pytest.fixture
def no_dispatch(monkeypatch):
    """Batches run by the test itself: what they would queue is dropped."""
    import syndication.delivery as engine

    monkeypatch.setattr(engine, "dispatch", lambda ids: len(list(ids)))


def planned_mba_deliveries(metropole, count: int) -> list[Delivery]:
    """``count`` calls with their deliveries planned and not sent (no worker here)."""
    from syndication.delivery import plan_event_deliveries

    calls = [create_call(metropole, title=f"Appel du lot {n}") for n in range(count)]
    for event in CallEvent.objects.filter(call_id__in=[c.call_id for c in calls]):
        plan_event_deliveries(event)
    return list(Delivery.objects.filter(partner__kind="mba").order_by("pk"))


def test_a_batch_is_claimed_sent_and_recorded_in_a_few_queries(
    partners, simulators, metropole, no_dispatch, django_assert_max_num_queries
):
    from syndication.delivery import run_batch

    deliveries = planned_mba_deliveries(metropole, 6)
    with django_assert_max_num_queries(16):  # the same for 6 deliveries as for 50
        states = run_batch([d.pk for d in deliveries])
    assert states == {d.pk: DeliveryState.DELIVERED for d in deliveries}
    assert sorted(r["id"] for r in simulators["mba"].records()) == sorted(
        d.call_id for d in deliveries
    )
    for delivery in Delivery.objects.filter(pk__in=[d.pk for d in deliveries]):
        assert delivery.attempt_count == 1 and delivery.claimed_by == ""
        assert delivery.listing.delivered_version == 1 and delivery.listing.present
        assert [a.outcome for a in delivery.attempts.all()] == ["delivered"]


def test_a_batch_leaves_a_busy_lane_alone(partners, simulators, metropole, no_dispatch):
    from datetime import timedelta

    from django.utils import timezone

    from syndication.delivery import plan_event_deliveries, run_batch

    first, second = planned_mba_deliveries(metropole, 2)
    Delivery.objects.filter(pk=first.pk).update(
        state=DeliveryState.IN_FLIGHT,
        claimed_by="another-worker",
        lease_until=timezone.now() + timedelta(minutes=5),
    )
    edit_call(CallPage.objects.get(call_id=first.call_id), title="Appel du lot 0, modifié")
    plan_event_deliveries(CallEvent.objects.get(call_id=first.call_id, version=2))
    newer = Delivery.objects.get(partner__kind="mba", call_id=first.call_id, version=2)
    states = run_batch([newer.pk, second.pk])
    assert states == {second.pk: DeliveryState.DELIVERED}
    newer.refresh_from_db()
    assert newer.state == DeliveryState.PENDING and newer.dispatched_at is None
    assert [r["id"] for r in simulators["mba"].records()] == [second.call_id]


def test_a_batch_gives_back_what_its_lease_leaves_no_time_for(
    partners, simulators, metropole, settings, no_dispatch
):
    from syndication.delivery import run_batch

    settings.SYNDICATION_LEASE_SECONDS = settings.SYNDICATION_TOTAL_TIMEOUT  # no time left
    deliveries = planned_mba_deliveries(metropole, 2)
    assert run_batch([d.pk for d in deliveries]) == {}
    assert simulators["mba"].requests() == []
    for delivery in Delivery.objects.filter(pk__in=[d.pk for d in deliveries]):
        assert delivery.state == DeliveryState.PENDING and delivery.attempt_count == 0
        assert delivery.first_attempt_at is None and delivery.last_attempt_at is None
        assert delivery.claimed_by == "" and delivery.lease_until is None
        assert not delivery.attempts.exists()
