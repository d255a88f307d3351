"""Relaying in the Wagtail admin: the call edit panel, "retry now", the dashboard.

Deliveries are rows made here (through ``plan_delivery`` and then given the state a
test needs); their tasks are queued on commit, which never comes in these
non-transactional tests, so no worker and no partner is involved.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from calls.models import CallFolderPage
from syndication.delivery import plan_delivery
from syndication.models import (
    AttemptOutcome,
    Delivery,
    DeliveryAttempt,
    DeliveryReason,
    DeliveryState,
    Partner,
    PartnerListing,
)
from syndication.selectors import error_in_words, paris_moment, partner_summaries
from tests.conftest import axe_violations
from tests.factories import (
    UserFactory,
    create_call,
    edit_call,
    editor_of,
    log_in_as,
    reviewer_of,
    staff_login_browser,
)

CONFIG = {
    "mba": {"base_url": "http://127.0.0.1:9", "api_key": "k", "signing_secret": "s"},
    "pactepme": {"base_url": "http://127.0.0.1:9", "client_id": "c", "client_secret": "s"},
}


@pytest.fixture
def partners(db, settings) -> dict[str, Partner]:
    settings.SYNDICATION_PARTNERS = CONFIG
    return {
        kind: Partner.objects.update_or_create(
            kind=kind, defaults={"name": name, "base_url": "http://127.0.0.1:9", "enabled": True}
        )[0]
        for kind, name in (("mba", "MBA"), ("pactepme", "Pacte PME"))
    }


@pytest.fixture
def call(metropole):
    return create_call(metropole, title="Jumeaux numériques du port")


@pytest.fixture
def admin(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


def make_delivery(partner: Partner, call_id: str, *, version: int = 1, **fields) -> Delivery:
    """A delivery as the engine plans it, then moved to the state the test needs."""
    delivery = plan_delivery(
        partner,
        call_id=call_id,
        version=version,
        event_kind="call.published",
        snapshot={"call_id": call_id, "version": version},
        reason=DeliveryReason.RESYNC,
    )
    if fields:
        Delivery.objects.filter(pk=delivery.pk).update(**fields)
        delivery.refresh_from_db()
    return delivery


def edit_page(client, user, call) -> str:
    log_in_as(client, user)
    response = client.get(reverse("wagtailadmin_pages:edit", args=[call.pk]))
    assert response.status_code == 200
    return response.content.decode()


def retry_url(delivery: Delivery) -> str:
    return reverse("syndication_admin:retry", args=[delivery.pk])


# --- The panel on the call edit page ----------------------------------------------------


def test_panel_shows_each_partners_state_error_and_link(client, partners, call, metropole):
    soon = timezone.now() + timedelta(minutes=5)
    failing = make_delivery(
        partners["mba"],
        call.call_id,
        state=DeliveryState.RETRYING,
        attempt_count=3,
        last_attempt_at=datetime(2026, 3, 3, 13, 5, tzinfo=UTC),
        last_error="délai dépassé : le partenaire n'a pas répondu à temps",
        next_attempt_at=soon,
    )
    make_delivery(
        partners["pactepme"],
        call.call_id,
        state=DeliveryState.DELIVERED,
        attempt_count=1,
        delivered_at=timezone.now(),
    )
    PartnerListing.objects.filter(partner=partners["pactepme"], call_id=call.call_id).update(
        remote_id="PP-42",
        remote_url="http://127.0.0.1:9/appels/PP-42",
        present=True,
        delivered_version=1,
    )

    content = edit_page(client, reviewer_of(metropole), call)

    assert "Relais vers les plateformes partenaires" in content
    assert "Nouvelle tentative prévue" in content
    assert "La plateforme ne répond pas (nouvelle tentative prévue le" in content
    assert "3 mars 2026 à 14:05" in content  # Paris time
    assert "délai dépassé" in content  # the raw message, behind "Détails techniques"
    assert "Relayé" in content
    assert 'href="http://127.0.0.1:9/appels/PP-42"' in content
    # A publisher may retry the failing one, not the delivered one.
    assert retry_url(failing) in content
    assert content.count("Relancer maintenant") == 1


@pytest.mark.parametrize(
    "stored", ["javascript:alert(document.cookie)", "https://ailleurs.example/appels/PP-42"]
)
def test_panel_never_links_to_a_stored_address_off_the_partners_host(
    client, partners, call, metropole, stored
):
    make_delivery(partners["pactepme"], call.call_id, state=DeliveryState.DELIVERED)
    PartnerListing.objects.filter(partner=partners["pactepme"], call_id=call.call_id).update(
        remote_id="PP-42", remote_url=stored, present=True, delivered_version=1
    )
    content = edit_page(client, reviewer_of(metropole), call)
    assert "Relayé" in content
    assert stored not in content and "Voir l'appel sur" not in content


def test_panel_offers_retry_only_to_publishers(client, partners, call, metropole):
    failed = make_delivery(partners["mba"], call.call_id, state=DeliveryState.FAILED)
    content = edit_page(client, editor_of(metropole), call)
    assert "Échec" in content
    assert retry_url(failed) not in content


def test_panel_labels_opted_out_and_disabled_partners(client, partners, call, metropole):
    edit_call(call, syndication_opt_outs=[partners["mba"]])
    Partner.objects.filter(pk=partners["pactepme"].pk).update(enabled=False)

    content = edit_page(client, reviewer_of(metropole), call)

    assert "non relayé : exclu par l&#x27;organisation" in content
    assert "plateforme désactivée" in content


def test_panel_of_an_unpublished_call(client, partners, metropole):
    draft = create_call(metropole, publish=False)
    content = edit_page(client, reviewer_of(metropole), draft)
    assert content.count("pas encore publié") == 2


def test_panel_on_a_new_call(client, partners, metropole):
    folder = CallFolderPage.objects.get(organisation=metropole)
    log_in_as(client, editor_of(metropole))
    response = client.get(reverse("wagtailadmin_pages:add", args=["calls", "callpage", folder.pk]))
    assert response.status_code == 200
    assert "sera relayé vers les plateformes partenaires à sa première publication" in (
        response.content.decode()
    )


@pytest.mark.parametrize(
    ("status_code", "state", "error", "expected"),
    [
        (None, DeliveryState.RETRYING, "connexion impossible", "La plateforme ne répond pas ("),
        (503, DeliveryState.RETRYING, "Service Unavailable", "en panne temporaire"),
        (429, DeliveryState.RETRYING, "Too Many Requests", "limite le nombre d'envois"),
        (401, DeliveryState.BLOCKED_AUTH, "invalid api key", "refuse nos accès"),
        (403, DeliveryState.BLOCKED_AUTH, "forbidden", "refuse nos accès"),
        (None, DeliveryState.BLOCKED_AUTH, "", "refuse nos accès"),
        (
            422,
            DeliveryState.FAILED,
            "closes_at: must be after opens_at",
            "La plateforme a refusé l'appel : closes_at: must be after opens_at",
        ),
        (400, DeliveryState.FAILED, "", "La plateforme a refusé l'appel : (sans explication)"),
        (None, DeliveryState.FAILED, "délai dépassé", "les tentatives automatiques sont épuisées"),
        (None, DeliveryState.DELIVERED, "", ""),
    ],
)
def test_error_in_words(partners, status_code, state, error, expected):
    delivery = make_delivery(
        partners["mba"],
        "AMP-2026-0900",
        state=state,
        last_status_code=status_code,
        last_error=error,
        next_attempt_at=timezone.now() + timedelta(hours=1),
    )
    words = error_in_words(delivery)
    assert expected in words
    assert bool(words) == bool(expected)
    assert "HTTP" not in words


def test_error_in_words_tells_why_a_waiting_delivery_waits(partners):
    delivery = make_delivery(partners["mba"], "AMP-2026-0901", state=DeliveryState.PENDING)
    assert error_in_words(delivery, partners["mba"]) == ""
    partners["mba"].paused_until = datetime(2026, 3, 3, 13, 5, tzinfo=UTC)
    with time_machine.travel(datetime(2026, 3, 3, 13, 0, tzinfo=UTC)):
        words = error_in_words(delivery, partners["mba"])
    assert words == (
        "Envois vers cette plateforme suspendus après plusieurs pannes, "
        "reprise automatique le 3 mars 2026 à 14:05."
    )
    partners["mba"].blocked_at = timezone.now()
    assert "refuse nos accès" in error_in_words(delivery, partners["mba"])


# --- Retry now ----------------------------------------------------------------------------


def test_publisher_of_the_issuing_organisation_can_retry(client, partners, call, metropole):
    delivery = make_delivery(
        partners["mba"], call.call_id, state=DeliveryState.FAILED, next_attempt_at=None
    )
    log_in_as(client, reviewer_of(metropole))

    response = client.post(retry_url(delivery))

    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_pages:edit", args=[call.pk])
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.RETRYING
    assert abs((delivery.next_attempt_at - timezone.now()).total_seconds()) < 10
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [f"L'envoi de {call.call_id} vers MBA est relancé."]


@pytest.mark.parametrize("role", ["editor_a", "editor_b", "reviewer_b"])
def test_others_do_not_see_the_delivery(client, partners, call, metropole, cci, role):
    """Editors of the issuing organisation may not publish, so may not send either."""
    user = {
        "editor_a": lambda: editor_of(metropole),
        "editor_b": lambda: editor_of(cci),
        "reviewer_b": lambda: reviewer_of(cci),
    }[role]()
    delivery = make_delivery(partners["mba"], call.call_id, state=DeliveryState.FAILED)
    log_in_as(client, user)
    assert client.get(retry_url(delivery)).status_code == 404
    assert client.post(retry_url(delivery)).status_code == 404
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED


def test_anonymous_is_sent_to_login(client, partners, call):
    delivery = make_delivery(partners["mba"], call.call_id, state=DeliveryState.FAILED)
    response = client.post(retry_url(delivery))
    assert response.status_code == 302
    assert response["Location"].startswith(settings.WAGTAILADMIN_LOGIN_URL + "?next=")
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED


def test_get_asks_for_confirmation_and_changes_nothing(client, partners, call, metropole):
    delivery = make_delivery(
        partners["mba"], call.call_id, state=DeliveryState.FAILED, last_status_code=502
    )
    log_in_as(client, reviewer_of(metropole))

    response = client.get(retry_url(delivery))

    content = response.content.decode()
    assert response.status_code == 200
    assert f"Renvoyer {call.call_id} vers MBA" in content
    assert "La version 1 de l'appel (Publication)" in content
    assert "en panne temporaire" in content
    assert '<form method="post">' in content
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED


def test_other_methods_are_refused(client, partners, call, admin):
    delivery = make_delivery(partners["mba"], call.call_id, state=DeliveryState.FAILED)
    log_in_as(client, admin)
    assert client.put(retry_url(delivery)).status_code == 405
    assert client.delete(retry_url(delivery)).status_code == 405


def test_retry_goes_back_to_a_safe_next_only(client, partners, call, admin):
    delivery = make_delivery(partners["mba"], call.call_id, state=DeliveryState.RETRYING)
    log_in_as(client, admin)
    dashboard = reverse("syndication_admin:dashboard")

    response = client.post(retry_url(delivery), {"next": dashboard})
    assert response["Location"] == dashboard

    response = client.post(retry_url(delivery), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("wagtailadmin_pages:edit", args=[call.pk])


def test_nothing_to_retry(client, partners, call, admin):
    delivery = make_delivery(partners["mba"], call.call_id, state=DeliveryState.DELIVERED)
    log_in_as(client, admin)
    assert "Rien à relancer" in client.get(retry_url(delivery)).content.decode()
    response = client.post(retry_url(delivery), follow=True)
    assert "Rien à relancer" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED


# --- Dashboard ----------------------------------------------------------------------------


@pytest.fixture
def activity(partners):
    """MBA: 5 deliveries waiting, 2 failed, 1 relayed today and 1 two days ago."""
    mba = partners["mba"]
    now = timezone.now()
    oldest = now - timedelta(hours=7)
    waiting = [
        make_delivery(mba, "AMP-2026-0101", state=DeliveryState.PENDING, created_at=oldest),
        make_delivery(mba, "AMP-2026-0102", state=DeliveryState.RETRYING),
        make_delivery(mba, "AMP-2026-0103", state=DeliveryState.IN_FLIGHT),
        make_delivery(mba, "AMP-2026-0104", state=DeliveryState.BLOCKED_AUTH),
        make_delivery(mba, "AMP-2026-0105", state=DeliveryState.PENDING),
    ]
    failed = [
        make_delivery(mba, f"AMP-2026-011{n}", state=DeliveryState.FAILED, last_error="boom")
        for n in range(2)
    ]
    today = make_delivery(
        mba, "AMP-2026-0120", state=DeliveryState.DELIVERED, delivered_at=now - timedelta(hours=1)
    )
    make_delivery(
        mba, "AMP-2026-0121", state=DeliveryState.DELIVERED, delivered_at=now - timedelta(days=2)
    )
    for hours, outcome in [
        (1, AttemptOutcome.DELIVERED),
        (2, AttemptOutcome.TRANSIENT),
        (3, AttemptOutcome.TRANSIENT),
        (4, AttemptOutcome.PERMANENT),
        (30, AttemptOutcome.DELIVERED),  # older than 24 h: not counted
    ]:
        DeliveryAttempt.objects.create(
            delivery=today, started_at=now - timedelta(hours=hours), outcome=outcome
        )
    return {"waiting": waiting, "failed": failed, "oldest": oldest}


def test_summaries_count_from_the_rows(activity, partners, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        summaries = {s.partner.kind: s for s in partner_summaries()}
    mba, pactepme = summaries["mba"], summaries["pactepme"]
    assert (mba.backlog, mba.failed, mba.delivered_24h) == (5, 2, 1)
    assert mba.oldest_pending == activity["oldest"]
    assert mba.success_rate == 0.25
    assert mba.configured and mba.enabled
    assert (pactepme.backlog, pactepme.failed, pactepme.delivered_24h) == (0, 0, 0)
    assert pactepme.success_rate is None and pactepme.oldest_pending is None


def test_dashboard_shows_the_figures_to_administrators(client, admin, activity):
    log_in_as(client, admin)
    response = client.get(reverse("syndication_admin:dashboard"))
    assert response.status_code == 200
    content = response.content.decode()
    mba_row = content[content.index('<th scope="row">MBA</th>') :].split("</tr>")[0]
    cells = [" ".join(cell.split("</td>")[0].split()) for cell in mba_row.split("<td>")[1:]]
    assert cells[0] == "En service"
    assert cells[1:5] == ["5", paris_moment(activity["oldest"]), "2", "1"]
    assert cells[5] == "25 % sur 4 tentatives"
    assert "aucune tentative" in content  # Pacte PME
    # The deliveries in trouble: 2 failed, 1 retrying, 1 blocked; not pending nor in flight.
    for delivery in activity["failed"]:
        assert retry_url(delivery) in content
    assert retry_url(activity["waiting"][1]) in content
    assert retry_url(activity["waiting"][3]) in content
    assert retry_url(activity["waiting"][0]) not in content
    assert retry_url(activity["waiting"][2]) not in content


def test_dashboard_links_a_call_to_its_edit_page(client, admin, partners, call):
    make_delivery(partners["mba"], call.call_id, state=DeliveryState.FAILED)
    log_in_as(client, admin)
    content = client.get(reverse("syndication_admin:dashboard")).content.decode()
    edit = reverse("wagtailadmin_pages:edit", args=[call.pk])
    assert f'<a href="{edit}">{call.call_id}</a>' in content


def test_dashboard_and_switches_are_for_administrators_only(client, partners, metropole):
    log_in_as(client, reviewer_of(metropole))
    mba = partners["mba"]
    Partner.objects.filter(pk=mba.pk).update(blocked_at=timezone.now())
    for response in (
        client.get(reverse("syndication_admin:dashboard")),
        client.post(reverse("syndication_admin:partner_toggle", args=[mba.pk]), {"enabled": "0"}),
        client.post(reverse("syndication_admin:partner_resume", args=[mba.pk])),
    ):
        assert response.status_code == 302
        assert response["Location"] == reverse("wagtailadmin_home")
    mba.refresh_from_db()
    assert mba.enabled and mba.is_blocked


def test_menu_item_only_for_administrators(client, admin, partners, metropole):
    log_in_as(client, admin)
    assert "Relais partenaires" in client.get(reverse("wagtailadmin_home")).content.decode()
    log_in_as(client, reviewer_of(metropole))
    assert "Relais partenaires" not in client.get(reverse("wagtailadmin_home")).content.decode()


def test_toggle_disables_and_enables_a_partner(client, admin, partners):
    log_in_as(client, admin)
    url = reverse("syndication_admin:partner_toggle", args=[partners["mba"].pk])
    assert client.get(url).status_code == 405

    response = client.post(url, {"enabled": "0"})
    assert response["Location"] == reverse("syndication_admin:dashboard")
    partners["mba"].refresh_from_db()
    assert not partners["mba"].enabled
    assert "Activer" in client.get(response["Location"]).content.decode()

    client.post(url, {"enabled": "1"})
    partners["mba"].refresh_from_db()
    assert partners["mba"].enabled


def test_resume_lifts_the_block_and_releases_blocked_deliveries(client, admin, partners):
    mba = partners["mba"]
    Partner.objects.filter(pk=mba.pk).update(
        blocked_at=timezone.now(), blocked_reason="401 invalid api key", consecutive_failures=3
    )
    blocked = [
        make_delivery(mba, f"AMP-2026-020{n}", state=DeliveryState.BLOCKED_AUTH) for n in range(2)
    ]
    log_in_as(client, admin)
    content = client.get(reverse("syndication_admin:dashboard")).content.decode()
    assert "Bloquée : accès refusé depuis le" in content
    assert "Reprendre le relais" in content

    response = client.post(reverse("syndication_admin:partner_resume", args=[mba.pk]))

    assert response["Location"] == reverse("syndication_admin:dashboard")
    mba.refresh_from_db()
    assert mba.blocked_at is None and mba.blocked_reason == ""
    for delivery in blocked:
        delivery.refresh_from_db()
        assert delivery.state == DeliveryState.RETRYING
    content = client.get(response["Location"]).content.decode()
    assert "2 envois bloqués repartent" in content
    assert "Reprendre le relais" not in content


# --- In a browser ---------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dashboard_is_accessible(page, live_server, site_structure, settings):
    settings.SYNDICATION_PARTNERS = CONFIG
    mba, _ = Partner.objects.update_or_create(
        kind="mba", defaults={"name": "MBA", "base_url": "http://127.0.0.1:9"}
    )
    Partner.objects.filter(pk=mba.pk).update(blocked_at=timezone.now(), blocked_reason="401")
    make_delivery(mba, "AMP-2026-0301", state=DeliveryState.FAILED, last_status_code=422)
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    staff_login_browser(page, live_server.url, admin, next="/admin/relais/")

    assert page.get_by_role("heading", name="Envois en difficulté").is_visible()
    assert page.get_by_role("button", name="Reprendre le relais vers MBA").is_visible()
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=2, ensure_ascii=False)
