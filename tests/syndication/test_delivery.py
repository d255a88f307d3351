"""Calls relayed to both partner simulators by a real worker: happy paths and faults.

Every fault test ends the same way: each simulator holds exactly the latest state of
every call, and no call twice (``assert_partners_hold_latest``).
"""

from __future__ import annotations

from collections import Counter

import pytest

from calls import lifecycle
from calls.models import CallEvent, CallPage
from syndication.models import Delivery, DeliveryState, Partner
from tests.conftest import wait_until
from tests.factories import create_call, edit_call

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def latest_event(call: CallPage) -> CallEvent:
    return CallEvent.objects.filter(call_id=call.call_id).order_by("-version").first()


def mba_record(simulators, call_id: str) -> dict | None:
    return next((r for r in simulators["mba"].records() if r["id"] == call_id), None)


def pactepme_records(simulators, call_id: str) -> list[dict]:
    return [r for r in simulators["pactepme"].records() if r["external_reference"] == call_id]


def all_settled() -> bool:
    """Every event planned (its deliveries exist) and every delivery at rest."""
    if CallEvent.objects.filter(processed_at__isnull=True).exists():
        return False
    return not Delivery.objects.exclude(
        state__in=(DeliveryState.DELIVERED, DeliveryState.SUPERSEDED)
    ).exists()


def assert_partners_hold_latest(simulators, calls: list[CallPage]) -> None:
    """Both partners hold the latest version of each live call, once; withdrawn ones not at all."""
    wait_until(all_settled, timeout=40)
    mba = simulators["mba"].records()
    pactepme = simulators["pactepme"].records()
    assert not [k for k, n in Counter(r["id"] for r in mba).items() if n > 1]
    assert not [k for k, n in Counter(r["external_reference"] for r in pactepme).items() if n > 1]
    for call in calls:
        event = latest_event(call)
        on_mba = [r for r in mba if r["id"] == call.call_id]
        on_pactepme = [r for r in pactepme if r["external_reference"] == call.call_id]
        if event.kind == CallEvent.Kind.WITHDRAWN:
            assert on_mba == [] and on_pactepme == []
            continue
        assert [r["version"] for r in on_mba] == [event.version]
        assert on_mba[0]["payload"]["status"] == event.snapshot["status"]
        assert on_mba[0]["payload"]["title"] == event.snapshot["title"]
        assert [r["revision"] for r in on_pactepme] == [event.version]
        assert on_pactepme[0]["payload"]["titre"] == event.snapshot["title"][:150]


def accepted_versions(simulators, call_id: str) -> list[int]:
    """The versions MBA accepted for a call, in the order it received them."""
    return [
        r["body"]["version"]
        for r in simulators["mba"].requests()
        if r["method"] == "PUT" and call_id in r["path"] and r["status"] in (200, 201)
    ]


# --- Happy paths -----------------------------------------------------------------------


def test_publish_update_close_withdraw_reach_both_partners(
    partners, simulators, metropole, celery_worker_process
):
    metropole.siret = "24130026900017"
    metropole.save()
    call = create_call(
        metropole,
        title="Capteurs connectés pour la qualité de l'air dans les écoles",
        summary="Mesurer la qualité de l'air intérieur des écoles de la Métropole.",
        sectors=["energie_environnement", "numerique_creatif"],
    )
    wait_until(lambda: mba_record(simulators, call.call_id), timeout=10)
    wait_until(lambda: pactepme_records(simulators, call.call_id), timeout=10)

    snapshot = latest_event(call).snapshot
    assert mba_record(simulators, call.call_id)["payload"] == {
        "id": call.call_id,
        "version": 1,
        "kind": "appel_a_solutions",
        "title": "Capteurs connectés pour la qualité de l'air dans les écoles",
        "summary": "Mesurer la qualité de l'air intérieur des écoles de la Métropole.",
        "description_html": snapshot["description_html"],
        "buyer": {"name": "Métropole Aix-Marseille-Provence", "siret": "24130026900017"},
        "sectors": ["energie_environnement", "numerique_creatif"],
        "opens_at": snapshot["opens_at"],
        "closes_at": snapshot["closes_at"],
        "status": snapshot["status"],
        "url": f"http://testserver/appels/{call.slug}/",
        "published_at": snapshot["published_at"],
        "updated_at": snapshot["updated_at"],
    }
    assert snapshot["opens_at"].endswith(("+01:00", "+02:00"))
    [challenge] = pactepme_records(simulators, call.call_id)
    assert challenge["revision"] == 1 and challenge["statut"] == "ouvert"
    payload = challenge["payload"]
    assert payload["type"] == "APPEL_A_SOLUTIONS"
    assert payload["titre"] == "Capteurs connectés pour la qualité de l'air dans les écoles"
    assert payload["porteur"] == "Métropole Aix-Marseille-Provence"
    assert payload["secteurs"] == ["ENERGIE", "ENVIRONNEMENT", "NUMERIQUE"]
    assert payload["date_ouverture"] == snapshot["opens_at"][:10]
    assert payload["date_limite"] == snapshot["closes_at"]
    assert payload["lien_candidature"] == f"http://testserver/appels/{call.slug}/"
    assert payload["territoire"] == "Aix-Marseille-Provence"
    assert "<" not in payload["description"]

    # The editor sees where the call stands, with the partner's link (once the worker
    # has recorded the answer, a moment after the partner stored the record).
    wait_until(
        lambda: Delivery.objects.filter(
            call_id=call.call_id, partner__kind="pactepme", state=DeliveryState.DELIVERED
        ).exists()
    )
    listing = Delivery.objects.get(call_id=call.call_id, partner__kind="pactepme").listing
    assert listing.remote_id == str(challenge["id"]) and listing.remote_url.endswith(
        f"/defis/{challenge['id']}"
    )

    edit_call(call, title="Capteurs connectés pour l'air des écoles et des crèches")
    wait_until(lambda: mba_record(simulators, call.call_id)["version"] == 2, timeout=10)
    wait_until(lambda: pactepme_records(simulators, call.call_id)[0]["revision"] == 2)
    assert pactepme_records(simulators, call.call_id)[0]["payload"]["titre"].endswith("crèches")

    lifecycle.call_close(call, reason="Lauréats choisis")
    wait_until(lambda: mba_record(simulators, call.call_id)["payload"]["status"] == "closed")
    assert mba_record(simulators, call.call_id)["version"] == 3
    wait_until(lambda: pactepme_records(simulators, call.call_id)[0]["statut"] == "cloture")

    lifecycle.call_withdraw(call, reason="Annulé")
    wait_until(lambda: mba_record(simulators, call.call_id) is None, timeout=10)
    wait_until(lambda: pactepme_records(simulators, call.call_id) == [], timeout=10)
    assert call.call_id in simulators["mba"].state()["deleted"]
    assert_partners_hold_latest(simulators, [call])
    # Every MBA request carried the signature headers; the simulator checked them itself.
    assert all(r["status"] in (200, 201, 204) for r in simulators["mba"].requests())
    assert {r["headers"]["webhook-id"] for r in simulators["mba"].requests()} == {
        str(d.message_id) for d in Delivery.objects.filter(partner__kind="mba")
    }


# --- Faults ------------------------------------------------------------------------------


def test_partner_down_for_a_while_then_back(partners, simulators, metropole, celery_worker_process):
    simulators["mba"].faults(fail_next=4, status=503)
    simulators["pactepme"].faults(fail_next=3, status=502, paths="api")
    calls = [create_call(metropole, title=f"Appel résilient {n}") for n in range(2)]
    assert_partners_hold_latest(simulators, calls)
    retried = Delivery.objects.filter(attempt_count__gt=1)
    assert retried.exists()
    attempt = retried.first().attempts.order_by("started_at").first()
    assert attempt.outcome == "transient" and attempt.status_code in (502, 503)


def test_429_waits_for_retry_after(partners, simulators, metropole, celery_worker_process):
    simulators["mba"].faults(fail_next=1, status=429, retry_after=2)
    call = create_call(metropole, title="Appel sous limitation")
    assert_partners_hold_latest(simulators, [call])
    delivery = Delivery.objects.get(call_id=call.call_id, partner__kind="mba")
    first, second = delivery.attempts.order_by("started_at")[:2]
    assert first.status_code == 429 and second.outcome == "delivered"
    assert (second.started_at - first.started_at).total_seconds() >= 2


def test_connection_drops_and_timeouts(partners, simulators, metropole, celery_worker_process):
    simulators["mba"].faults(drop_next=2)
    simulators["pactepme"].faults(delay_seconds=3, delay_next=1, paths="api")  # total timeout 2 s
    call = create_call(metropole, title="Appel sur réseau capricieux")
    assert_partners_hold_latest(simulators, [call])
    errors = " ".join(
        Delivery.objects.get(call_id=call.call_id, partner__kind=kind).attempts.first().error
        for kind in ("mba", "pactepme")
    )
    assert "interrompue" in errors and "délai" in errors


def test_token_expiry_mid_run(partners, simulators, metropole, celery_worker_process):
    call = create_call(metropole, title="Appel au long cours")
    wait_until(lambda: pactepme_records(simulators, call.call_id), timeout=10)
    simulators["pactepme"].faults(expire_tokens=True)
    edit_call(call, title="Appel au long cours, prolongé")
    wait_until(lambda: pactepme_records(simulators, call.call_id)[0]["revision"] == 2, timeout=10)
    state = simulators["pactepme"].state()
    assert state["tokens_issued"] == 2
    assert [r["status"] for r in state["requests"] if r["method"] == "PATCH"] == [401, 200]
    # The refresh happened inside the attempt: no failed attempt on record.
    assert all(d.attempt_count == 1 for d in Delivery.objects.filter(partner__kind="pactepme"))
    assert_partners_hold_latest(simulators, [call])


def test_a_creation_whose_response_was_lost_is_not_duplicated(
    partners, simulators, metropole, celery_worker_process
):
    simulators["pactepme"].faults(drop_response_next=1, paths="api")
    call = create_call(metropole, title="Appel dont la réponse se perd")
    assert_partners_hold_latest(simulators, [call])
    posts = [r for r in simulators["pactepme"].requests() if r["path"] == "/api/v2/challenges"]
    assert len(posts) == 2
    assert posts[0]["headers"]["idempotency-key"] == posts[1]["headers"]["idempotency-key"]
    assert len(pactepme_records(simulators, call.call_id)) == 1


def test_worker_killed_in_the_middle_of_deliveries(
    partners, simulators, metropole, celery_worker_process
):
    simulators["mba"].faults(delay_seconds=1.5)
    calls = [create_call(metropole, title=f"Appel interrompu {n}") for n in range(3)]
    wait_until(lambda: Delivery.objects.filter(state=DeliveryState.IN_FLIGHT).exists(), timeout=10)
    celery_worker_process.kill()
    assert Delivery.objects.exclude(state=DeliveryState.DELIVERED).exists()
    simulators["mba"].faults()
    celery_worker_process.start()
    assert_partners_hold_latest(simulators, calls)
    lost = [a for d in Delivery.objects.all() for a in d.attempts.all() if a.outcome == "lost"]
    assert lost, "the killed worker's delivery was taken back, and said so"


def test_broker_queue_flushed(partners, simulators, metropole, celery_worker_process, settings):
    from portal.celery import app

    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    celery_worker_process.stop()
    celery_worker_process.start(queues=[queue])  # events only: deliveries wait in the broker
    calls = [create_call(metropole, title=f"Appel oublié par le broker {n}") for n in range(2)]
    wait_until(lambda: Delivery.objects.filter(dispatched_at__isnull=False).count() == 4)
    with app.connection_for_write() as conn:
        flushed = sum(
            conn.default_channel.queue_purge(f"{queue}.syndication.{kind}")
            for kind in ("mba", "pactepme")
        )
    assert flushed == 4
    celery_worker_process.stop()
    celery_worker_process.start()
    assert_partners_hold_latest(simulators, calls)


def test_quick_edits_while_the_partner_is_down_land_only_the_latest(
    partners, simulators, metropole, celery_worker_process
):
    simulators["mba"].faults(fail_all=True, status=503)
    simulators["pactepme"].faults(fail_all=True, status=503, paths="api")
    call = create_call(metropole, title="Appel v1")
    for n in range(2, 5):
        edit_call(call, title=f"Appel v{n}")
    wait_until(lambda: Delivery.objects.filter(call_id=call.call_id).count() == 8, timeout=15)
    simulators["mba"].faults()
    simulators["pactepme"].faults()
    assert_partners_hold_latest(simulators, [call])
    versions = accepted_versions(simulators, call.call_id)
    assert versions == sorted(versions) and versions[-1] == 4
    assert mba_record(simulators, call.call_id)["payload"]["title"] == "Appel v4"
    assert Delivery.objects.filter(state=DeliveryState.SUPERSEDED).exists()


def test_permanent_refusal_is_shown_with_the_partner_message(
    partners, simulators, metropole, celery_worker_process, outbox
):
    message = "Le titre contient un terme refusé par la modération."
    simulators["mba"].faults(
        fail_next=1, status=422, body={"errors": [{"field": "title", "message": message}]}
    )
    call = create_call(metropole, title="Appel refusé")
    delivery = wait_until(
        lambda: Delivery.objects.filter(
            call_id=call.call_id, partner__kind="mba", state=DeliveryState.FAILED
        ).first()
    )
    assert delivery.attempt_count == 1 and delivery.last_status_code == 422
    assert message in delivery.last_error
    wait_until(lambda: any(call.call_id in mail for mail in outbox()))
    assert message in outbox()[0]
    assert mba_record(simulators, call.call_id) is None


def test_401_blocks_the_partner_and_alerts(
    partners, simulators, metropole, celery_worker_process, outbox
):
    from syndication.delivery import partner_resume

    simulators["mba"].faults(fail_all=True, status=401, body={"error": "invalid_api_key"})
    first = create_call(metropole, title="Appel bloqué")
    wait_until(lambda: Partner.objects.get(kind="mba").blocked_at, timeout=10)
    wait_until(lambda: any("refus" in mail for mail in outbox()))
    second = create_call(metropole, title="Appel en attente du déblocage")
    wait_until(lambda: pactepme_records(simulators, second.call_id), timeout=10)
    sent = len(simulators["mba"].requests())
    assert sent == 1, "nothing more is sent to a partner that refuses us"
    assert Delivery.objects.get(call_id=second.call_id, partner__kind="mba").state == "pending"

    simulators["mba"].faults()
    partner_resume(Partner.objects.get(kind="mba"))
    assert_partners_hold_latest(simulators, [first, second])
    assert len(outbox()) == 1, "one alert per block, not one per delivery"
