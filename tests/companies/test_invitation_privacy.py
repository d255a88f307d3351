"""GDPR: an invitation, and the address in it, lives only as long as it is pending."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from companies.models import Invitation, Membership
from companies.tasks import purge_expired_invitations
from tests.accounts.conftest import page_text
from tests.companies.conftest import invitation_link, invite
from tests.factories import applicant

pytestmark = pytest.mark.django_db


def test_invitations_expire_after_the_configured_days(client, owner):
    invite(client, owner, "paul@example.test")
    invitation = Invitation.objects.get()
    expected = timezone.now() + timedelta(days=settings.INVITATION_MAX_AGE_DAYS)
    assert abs(invitation.expires_at - expected) < timedelta(minutes=1)


def test_an_expired_link_does_not_join(client, owner):
    invite(client, owner, "paul@example.test")
    link = invitation_link("paul@example.test")
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    paul = applicant(company=False, email="paul@example.test")
    client.force_login(paul)
    page = client.get(link)
    assert page.status_code == 404
    assert "n'est plus valable" in page_text(page)
    assert client.post(f"{link}rejoindre/").status_code == 404
    assert not Membership.objects.filter(user=paul).exists()
    assert "Invitations reçues" not in page_text(client.get("/espace/entreprise/"))


def test_a_new_invitation_replaces_the_old_link(client, owner):
    invite(client, owner, "paul@example.test")
    old = invitation_link("paul@example.test")
    invite(client, owner, "paul@example.test")
    new = invitation_link("paul@example.test")
    assert old != new
    assert Invitation.objects.count() == 1
    client.force_login(applicant(company=False, email="paul@example.test"))
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_the_daily_task_purges_expired_invitations(client, owner):
    invite(client, owner, "old@example.test")
    invite(client, owner, "new@example.test")
    Invitation.objects.filter(email="old@example.test").update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    assert purge_expired_invitations() == 1
    assert list(Invitation.objects.values_list("email", flat=True)) == ["new@example.test"]
    schedule = settings.CELERY_BEAT_SCHEDULE["purge-expired-invitations"]
    assert schedule["task"] == "companies.tasks.purge_expired_invitations"
    assert schedule["schedule"] == timedelta(days=1)


def test_a_deleted_users_address_leaves_the_invitations(client, owner):
    invite(client, owner, "paul@example.test")
    paul = applicant(company=False, email="paul@example.test")
    paul.delete()
    assert not Invitation.objects.filter(email="paul@example.test").exists()


def test_a_deleted_inviter_leaves_no_link(client, owner, company):
    second_owner = applicant(company=company, role="owner")
    invite(client, second_owner, "paul@example.test")
    second_owner.delete()
    assert Invitation.objects.get().invited_by is None
