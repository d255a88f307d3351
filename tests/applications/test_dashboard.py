"""/espace/ and the call page's action box: drafts, submissions, withdrawals, followed calls."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, ApplicationStatus, Follow
from tests.applications.applying import complete_fields, post_apply
from tests.factories import applicant, create_call

pytestmark = pytest.mark.django_db

DASHBOARD = "/espace/"


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()


@pytest.fixture
def user(client):
    user = applicant(email="lea@mistral.test")
    client.force_login(user)
    return user


def follow_url(call) -> str:
    return reverse("applications:follow", args=[call.slug])


def test_the_dashboard_url_and_login(client):
    assert reverse("applications:dashboard") == DASHBOARD
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and "/compte/connexion/" in response["Location"]


def test_the_dashboard_lists_the_companys_applications_by_state(client, user, metropole):
    drafted = create_call(metropole, title="Appel au brouillon")
    submitted = create_call(metropole, title="Appel déposé")
    decided = create_call(metropole, title="Appel tranché")
    withdrawn = create_call(metropole, title="Appel abandonné")
    post_apply(client, drafted, {"solution_name": "Mistral"})
    for call in (submitted, decided, withdrawn):
        post_apply(client, call, complete_fields(), submit=True)
    decided_at = timezone.now()
    Application.objects.filter(call=decided).update(
        status=ApplicationStatus.SELECTED, decided_at=decided_at
    )
    withdrawn_app = Application.objects.get(call=withdrawn)
    client.post(reverse("applications:withdraw", args=[withdrawn_app.public_id]))
    # Another company's application never shows.
    other = applicant()
    client.force_login(other)
    post_apply(client, create_call(metropole, title="Appel des autres"), {"solution_name": "X"})
    client.force_login(applicant(user.membership.company, role="member"))

    response = client.get(DASHBOARD)
    dashboard = response.context["dashboard"]
    assert [a.call.title for a in dashboard.drafts] == ["Appel au brouillon"]
    assert sorted(a.call.title for a in dashboard.submitted) == ["Appel déposé", "Appel tranché"]
    assert [a.call.title for a in dashboard.withdrawn] == ["Appel abandonné"]
    content = response.content.decode()
    assert "Appel des autres" not in content
    assert reverse("applications:apply", args=[drafted.slug]) in content
    assert Application.objects.get(call=submitted).reference in content
    assert "Retenue" in content and "Reçue" in content
    assert timezone.localtime(decided_at).strftime("%Y") in content
    assert reverse("applications:detail", args=[withdrawn_app.public_id]) in content


def test_without_a_company_the_dashboard_points_to_the_profile(client):
    client.force_login(applicant(company=False))
    content = client.get(DASHBOARD).content.decode()
    assert "Compléter le profil de l'entreprise" in content
    assert reverse("companies:profile") in content


def test_follow_and_unfollow_a_call(client, user, metropole):
    call = create_call(metropole, title="Mobilité douce")
    closed = create_call(
        metropole,
        title="Appel fermé",
        opens_at=timezone.now() - timedelta(days=10),
        closes_at=timezone.now() - timedelta(days=1),
    )

    response = client.post(follow_url(call), {"action": "follow", "next": call.url})
    assert response["Location"] == call.url
    client.post(follow_url(call), {"action": "follow"})  # twice: still one follow
    client.post(follow_url(closed), {"action": "follow", "next": "https://evil.example/"})
    assert Follow.objects.filter(user=user).count() == 2

    dashboard = client.get(DASHBOARD)
    assert [f.call.title for f in dashboard.context["dashboard"].follows] == [
        "Appel fermé",
        "Mobilité douce",
    ]
    content = dashboard.content.decode()
    assert "Clôturé" in content and "Ouvert" in content

    response = client.post(follow_url(call), {"action": "unfollow", "next": DASHBOARD})
    assert response["Location"] == DASHBOARD
    assert list(Follow.objects.filter(user=user).values_list("call__title", flat=True)) == [
        "Appel fermé"
    ]


def test_follow_needs_a_post_and_a_login(client, metropole):
    call = create_call(metropole)
    assert client.post(follow_url(call)).status_code == 302
    assert not Follow.objects.exists()
    client.force_login(applicant())
    assert client.get(follow_url(call)).status_code == 405


def test_an_unsafe_next_falls_back_to_the_call(client, user, metropole):
    call = create_call(metropole)
    response = client.post(follow_url(call), {"next": "https://evil.example/"})
    assert response["Location"] == call.url


# --- The call page's action box ----------------------------------------------------------------


def call_page(client, call) -> str:
    response = client.get(call.url)
    assert response.status_code == 200
    return response.content.decode()


def test_visitors_are_invited_to_log_in(client, metropole):
    call = create_call(metropole)
    content = call_page(client, call)
    assert "Connectez-vous pour candidater" in content
    assert f"/compte/connexion/?next=/appels/{call.slug}/candidater/" in content
    assert "Suivre cet appel" not in content


def test_the_action_follows_the_companys_application(client, user, metropole):
    call = create_call(metropole)
    content = call_page(client, call)
    assert ">Candidater</a>" in content and "Suivre cet appel" in content

    post_apply(client, call, {"solution_name": "Mistral"})
    colleague = applicant(user.membership.company, role="member")
    client.force_login(colleague)
    assert "Reprendre mon brouillon" in call_page(client, call)

    post_apply(client, call, complete_fields(), submit=True)
    content = call_page(client, call)
    application = Application.objects.get()
    assert "Voir ma candidature" in content
    assert reverse("applications:detail", args=[application.public_id]) in content

    client.post(follow_url(call), {"action": "follow"})
    assert "Ne plus suivre cet appel" in call_page(client, call)


def test_a_closed_call_offers_no_application(client, user, metropole):
    closed = create_call(
        metropole,
        opens_at=timezone.now() - timedelta(days=10),
        closes_at=timezone.now() - timedelta(days=1),
    )
    content = call_page(client, closed)
    assert ">Candidater</a>" not in content
    assert "Suivre cet appel" in content
