"""The deadline, to the second, on the server's clock, in Paris time across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache

from applications.models import Application, ApplicationStatus
from applications.services import ApplicationError, application_withdraw
from tests.applications.applying import apply_url, complete_fields, post_apply
from tests.factories import applicant, create_call

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
CLOSES_AT = datetime(2027, 3, 15, 17, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()


@pytest.fixture(autouse=True)
def long_sessions(settings):
    """The clock moves months away from the login; the session must outlive that."""
    settings.SESSION_COOKIE_AGE = 10 * 365 * 86400


@pytest.fixture
def call(metropole):
    with time_machine.travel(CLOSES_AT - timedelta(days=20), tick=False):
        return create_call(metropole, opens_at=CLOSES_AT - timedelta(days=30), closes_at=CLOSES_AT)


@pytest.fixture
def user(client):
    user = applicant()
    client.force_login(user)
    return user


def draft(client, call, at: datetime) -> Application:
    with time_machine.travel(at, tick=False):
        post_apply(client, call, complete_fields(solution_name="Brouillon à garder"))
    return Application.objects.get()


def submit_at(client, call, at: datetime):
    with time_machine.travel(at, tick=False):
        return post_apply(client, call, complete_fields(), submit=True)


def test_one_second_before_the_deadline_is_accepted(client, user, call):
    response = submit_at(client, call, CLOSES_AT - timedelta(seconds=1))
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.status == ApplicationStatus.RECEIVED
    assert application.submitted_at == CLOSES_AT - timedelta(seconds=1)


@pytest.mark.parametrize("late", [timedelta(0), timedelta(seconds=1)])
def test_at_or_after_the_deadline_is_refused_and_the_draft_kept(client, user, call, late):
    draft(client, call, CLOSES_AT - timedelta(hours=2))

    response = submit_at(client, call, CLOSES_AT + late)

    assert response.status_code == 200
    content = response.content.decode()
    assert (
        "La date limite de cet appel (15 mars 2027 à 17h00, heure de Paris) est passée" in content
    )
    assert "la candidature n&#x27;a pas été déposée" in content
    application = Application.objects.get()
    assert application.status == ApplicationStatus.DRAFT
    assert application.reference is None and application.submitted_at is None
    assert application.pilot_proposal == "Six mois sur deux quais, douze capteurs."


def test_a_call_not_yet_open_refuses_to_start(client, user, metropole):
    opens_at = datetime(2027, 5, 1, 9, 0, tzinfo=PARIS)
    with time_machine.travel(opens_at - timedelta(days=3), tick=False):
        upcoming = create_call(
            metropole, opens_at=opens_at, closes_at=opens_at + timedelta(days=30)
        )
    with time_machine.travel(opens_at - timedelta(seconds=1), tick=False):
        response = post_apply(client, upcoming, complete_fields(), submit=True, follow=True)
        assert "ouvriront le 1 mai 2027 à 09h00" in response.content.decode()
    assert not Application.objects.exists()
    with time_machine.travel(opens_at, tick=False):
        assert submit_at(client, upcoming, opens_at).status_code == 302


def test_the_deadline_is_an_instant_even_on_the_night_clocks_go_back(client, user, metropole):
    """02:30 on 25 October 2026 happens twice in Paris; the call closes at the first one.

    Once the clocks have gone back it is 02:29 again on the wall, but the instant
    has passed: a comparison of wall-clock times would wrongly accept.
    """
    closes_at = datetime(2026, 10, 25, 2, 30, tzinfo=PARIS)  # fold=0: CEST, 00:30 UTC
    assert closes_at.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    with time_machine.travel(closes_at - timedelta(days=10), tick=False):
        call = create_call(metropole, opens_at=closes_at - timedelta(days=20), closes_at=closes_at)

    draft(client, call, datetime(2026, 10, 25, 0, 0, tzinfo=UTC))
    second_pass = datetime(2026, 10, 25, 2, 29, fold=1, tzinfo=PARIS)  # CET, 01:29 UTC
    assert second_pass.astimezone(UTC) > closes_at.astimezone(UTC)
    refused = submit_at(client, call, second_pass)
    assert refused.status_code == 200
    assert "25 octobre 2026 à 02h30, heure de Paris) est passée" in refused.content.decode()
    assert Application.objects.get().status == ApplicationStatus.DRAFT

    accepted = submit_at(client, call, closes_at - timedelta(seconds=1))
    assert accepted.status_code == 302
    assert Application.objects.get().status == ApplicationStatus.RECEIVED


def test_the_deadline_in_spring_when_clocks_go_forward(client, user, metropole):
    closes_at = datetime(2027, 3, 28, 3, 30, tzinfo=PARIS)  # just after 02:00 → 03:00
    with time_machine.travel(closes_at - timedelta(days=5), tick=False):
        call = create_call(metropole, opens_at=closes_at - timedelta(days=9), closes_at=closes_at)
    # 01:59:59 CET is only 31 minutes before 03:30 CEST.
    assert submit_at(client, call, closes_at - timedelta(minutes=31)).status_code == 302


def test_withdrawal_only_before_the_deadline(client, user, call):
    submit_at(client, call, CLOSES_AT - timedelta(hours=1))
    application = Application.objects.get()
    with time_machine.travel(CLOSES_AT + timedelta(seconds=1), tick=False):
        with pytest.raises(ApplicationError, match="date limite de l'appel est passée"):
            application_withdraw(application=application, user=user)
        detail = client.get(f"/espace/candidatures/{application.public_id}/").content.decode()
        assert "Retirer ma candidature" not in detail
    with time_machine.travel(CLOSES_AT - timedelta(seconds=1), tick=False):
        assert application_withdraw(application=application, user=user).status == "withdrawn"


def test_the_form_of_a_closed_call_says_so(client, user, call):
    draft(client, call, CLOSES_AT - timedelta(days=1))
    with time_machine.travel(CLOSES_AT + timedelta(days=1), tick=False):
        content = client.get(apply_url(call)).content.decode()
    assert "est passée" in content
    assert "Brouillon à garder" in content
