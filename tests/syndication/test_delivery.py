"""Calls relayed to both partner simulators by a real worker: happy paths and faults.

Every fault test ends the same way: each simulator holds exactly the latest state of
every call, and no call twice (``assert_partners_hold_latest``).
"""

from __future__ import annotations

from collections import Counter

import pytest

from calls import lifecycle
from calls.models import CallEvent, CallPage
from syndication.models import Delivery, DeliveryState
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

    # The editor sees where the call stands, with the partner's link.
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
