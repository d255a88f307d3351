"""Members invite colleagues by e-mail; the colleague joins once their address is proved."""

from __future__ import annotations

import pytest
from django.core import mail

from companies.models import Invitation, Membership
from tests.accounts.conftest import (
    PASSWORD,
    empty_counters,  # noqa: F401 (autouse: sign-up counters start empty)
    last_mail_to,
    link_in_mail,
    page_text,
    signup_data,
)
from tests.factories import CompanyFactory, applicant

pytestmark = pytest.mark.django_db


@pytest.fixture
def company():
    return CompanyFactory(legal_name="Capteurs du Vieux-Port")


def invite(client, inviter, email: str):
    client.force_login(inviter)
    return client.post("/espace/entreprise/inviter/", {"email": email})


def test_an_invited_colleague_signs_up_and_joins(client, company):
    owner = applicant(company=company, email="lea@example.test")
    response = invite(client, owner, "Paul@Example.test")
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.company, invitation.email, invitation.invited_by) == (
        company,
        "paul@example.test",
        owner,
    )
    message = last_mail_to("paul@example.test")
    assert "Rejoignez Capteurs du Vieux-Port" in message.subject
    signup_link = link_in_mail(message, "/compte/inscription/")
    assert "invitations en attente" in page_text(client.get("/espace/entreprise/")).lower()
    client.post("/compte/deconnexion/")

    form = client.get(signup_link)
    assert 'value="paul@example.test"' in form.content.decode()
    client.post("/compte/inscription/", signup_data(email="paul@example.test"))
    verified = client.post(link_in_mail(mail.outbox[-1], "/compte/verification/"))
    assert verified.status_code == 302
    assert "_auth_user_id" not in client.session, "a verification link logs nobody in"
    client.post("/compte/connexion/", {"login": "paul@example.test", "password": PASSWORD})
    client.get("/espace/entreprise/")  # pending invitations are handled there

    membership = Membership.objects.get(user__username="paul@example.test")
    assert (membership.company, membership.role) == (company, "member")
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    members = client.get("/espace/entreprise/").content.decode()
    assert "lea@example.test" in members
    assert "paul@example.test" in members


def test_an_existing_user_without_company_joins_on_the_profile_page(client, company):
    owner = applicant(company=company)
    invite(client, owner, "paul@example.test")
    paul = applicant(company=False, email="paul@example.test")
    client.force_login(paul)
    page = client.get("/espace/entreprise/")
    assert "Vous avez rejoint l'entreprise Capteurs du Vieux-Port" in page_text(page)
    assert Membership.objects.get(user=paul).company == company


def test_a_member_of_another_company_is_not_moved(client, company):
    owner = applicant(company=company)
    invite(client, owner, "paul@example.test")
    other = CompanyFactory()
    paul = applicant(company=other, email="paul@example.test")
    client.force_login(paul)
    client.get("/espace/entreprise/")
    assert Membership.objects.get(user=paul).company == other


def test_inviting_a_member_again_is_refused(client, company):
    owner = applicant(company=company)
    applicant(company=company, email="paul@example.test")
    response = invite(client, owner, "paul@example.test")
    assert response.status_code == 200
    assert "fait déjà partie de votre entreprise" in page_text(response)
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_a_user_without_company_cannot_invite(client):
    newcomer = applicant(company=False)
    response = invite(client, newcomer, "paul@example.test")
    assert response.status_code == 302
    assert response["Location"] == "/espace/entreprise/"
    assert not Invitation.objects.exists()
