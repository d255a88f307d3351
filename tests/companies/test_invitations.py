"""Owners invite colleagues by e-mail; the colleague joins only by clicking "Rejoindre"."""

from __future__ import annotations

import pytest
from django.core import mail

from companies.models import Invitation, Membership
from tests.accounts.conftest import PASSWORD as SIGNUP_PASSWORD
from tests.accounts.conftest import (
    empty_counters,  # noqa: F401 (autouse: sign-up counters start empty)
    last_mail_to,
    link_in_mail,
    page_text,
    signup_data,
)
from tests.companies.conftest import PASSWORD, invitation_link, invite
from tests.factories import CompanyFactory, applicant

pytestmark = pytest.mark.django_db

JOIN = "Rejoindre Capteurs du Vieux-Port"


def accept_path(link: str) -> str:
    return f"{link}rejoindre/"


def test_an_invited_colleague_signs_up_and_joins_by_a_click(client, company, owner):
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
    link = invitation_link("paul@example.test")
    signup_link = link_in_mail(message, "/compte/inscription/")
    assert "invitations en attente" in page_text(client.get("/espace/entreprise/")).lower()
    client.post("/compte/deconnexion/")

    form = client.get(signup_link)
    assert 'value="paul@example.test"' in form.content.decode()
    client.post("/compte/inscription/", signup_data(email="paul@example.test"))
    verified = client.post(link_in_mail(mail.outbox[-1], "/compte/verification/"))
    assert verified.status_code == 302
    assert "_auth_user_id" not in client.session, "a verification link logs nobody in"
    client.post("/compte/connexion/", {"login": "paul@example.test", "password": SIGNUP_PASSWORD})
    assert not Membership.objects.filter(user__username="paul@example.test").exists(), (
        "verifying the address does not join"
    )
    page = page_text(client.get("/espace/entreprise/"))
    assert JOIN in page, "the invitation is offered on the company page"
    assert "Refuser" in page

    joined = client.post(accept_path(link))
    assert joined.status_code == 302
    membership = Membership.objects.get(user__username="paul@example.test")
    assert (membership.company, membership.role) == (company, "member")
    assert not Invitation.objects.exists(), "an accepted invitation keeps no address"
    members = client.get("/espace/entreprise/").content.decode()
    assert "lea@example.test" in members
    assert "paul@example.test" in members


def test_logging_in_does_not_join(client, company, owner):
    invite(client, owner, "paul@example.test")
    client.post("/compte/deconnexion/")
    applicant(company=False, email="paul@example.test")
    response = client.post(
        "/compte/connexion/", {"login": "paul@example.test", "password": PASSWORD}
    )
    assert response.status_code == 302
    client.get(response["Location"])
    assert not Membership.objects.filter(user__username="paul@example.test").exists()
    assert Invitation.objects.filter(email="paul@example.test").exists()


def test_the_invitation_page_offers_join_and_refuse(client, company, owner):
    invite(client, owner, "paul@example.test")
    link = invitation_link("paul@example.test")
    paul = applicant(company=False, email="paul@example.test")
    client.force_login(paul)
    page = client.get(link)
    assert page.status_code == 200
    text = page_text(page)
    assert JOIN in text
    assert "csrfmiddlewaretoken" in text
    assert not Membership.objects.filter(user=paul).exists(), "seeing the page does not join"


def test_an_anonymous_visitor_is_sent_to_log_in_and_back(client, company, owner):
    invite(client, owner, "paul@example.test")
    link = invitation_link("paul@example.test")
    client.post("/compte/deconnexion/")
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"] == f"/compte/connexion/?next={link}"
    applicant(company=False, email="paul@example.test")
    logged_in = client.post(
        f"/compte/connexion/?next={link}",
        {"login": "paul@example.test", "password": PASSWORD, "next": link},
    )
    assert logged_in["Location"] == link


def test_another_users_click_is_refused(client, company, owner):
    invite(client, owner, "paul@example.test")
    link = invitation_link("paul@example.test")
    intruder = applicant(company=False, email="mallory@example.test")
    client.force_login(intruder)
    page = client.get(link)
    assert page.status_code == 403
    assert "envoyée à une autre adresse e-mail" in page_text(page)
    assert JOIN not in page_text(page)
    response = client.post(accept_path(link))
    assert response.status_code == 403
    assert not Membership.objects.filter(user=intruder).exists()
    assert Invitation.objects.filter(email="paul@example.test").exists()


def test_a_member_of_another_company_cannot_accept(client, company, owner):
    invite(client, owner, "paul@example.test")
    link = invitation_link("paul@example.test")
    other = CompanyFactory()
    paul = applicant(company=other, email="paul@example.test", role="member")
    client.force_login(paul)
    page = page_text(client.get(link))
    assert "Vous faites déjà partie d'une entreprise" in page
    assert JOIN not in page
    response = client.post(accept_path(link))
    assert response.status_code == 409
    assert "Vous faites déjà partie d'une entreprise" in page_text(response)
    assert Membership.objects.get(user=paul).company == other


def test_refusing_deletes_the_invitation(client, company, owner):
    invite(client, owner, "paul@example.test")
    link = invitation_link("paul@example.test")
    paul = applicant(company=False, email="paul@example.test")
    client.force_login(paul)
    response = client.post(f"{link}refuser/")
    assert response.status_code == 302
    assert not Invitation.objects.exists(), "a refused invitation keeps no address"
    assert not Membership.objects.filter(user=paul).exists()
    assert client.post(accept_path(link)).status_code == 404


def test_joining_needs_a_post(client, company, owner):
    invite(client, owner, "paul@example.test")
    link = invitation_link("paul@example.test")
    paul = applicant(company=False, email="paul@example.test")
    client.force_login(paul)
    assert client.get(accept_path(link)).status_code == 405
    assert not Membership.objects.filter(user=paul).exists()


def test_the_mail_carries_no_text_chosen_by_the_inviter(client, company, owner):
    owner.first_name = "Support Bancaire : appelez le 01 02 03 04 05"
    owner.last_name = "http://phishing.example/login"
    owner.save()
    invite(client, owner, "paul@example.test")
    message = last_mail_to("paul@example.test")
    for text in (message.subject, message.body):
        assert "Support Bancaire" not in text
        assert "phishing.example" not in text
        assert "lea@example.test" not in text
    assert "Capteurs du Vieux-Port" in message.body


def test_invitations_are_rate_limited_with_a_french_message(client, company, owner, settings):
    settings.INVITATION_LIMIT_PER_DAY = 2
    invite(client, owner, "a@example.test")
    invite(client, owner, "b@example.test")
    response = invite(client, owner, "c@example.test")
    assert response.status_code == 429
    text = page_text(response)
    assert "nombre maximal d'invitations pour aujourd'hui" in text
    assert 'value="c@example.test"' in text, "the form is kept"
    assert not Invitation.objects.filter(email="c@example.test").exists()
    assert not [m for m in mail.outbox if "c@example.test" in m.to]


def test_the_limit_counts_per_company_across_owners(client, company, owner, settings):
    settings.INVITATION_LIMIT_PER_DAY = 2
    other_owner = applicant(company=company, role="owner")
    invite(client, owner, "a@example.test")
    invite(client, owner, "b@example.test")
    response = invite(client, other_owner, "c@example.test")
    assert response.status_code == 429


def test_inviting_a_member_again_is_refused(client, company, owner):
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


def test_a_member_cannot_invite(client, company, owner):
    member = applicant(company=company, role="member")
    client.force_login(member)
    assert client.get("/espace/entreprise/inviter/").status_code == 403
    response = invite(client, member, "paul@example.test")
    assert response.status_code == 403
    assert "Seuls les responsables" in page_text(response)
    assert not Invitation.objects.exists()
    assert "Inviter un collègue" not in page_text(client.get("/espace/entreprise/"))


def test_an_owner_cancels_an_invitation(client, company, owner):
    invite(client, owner, "paul@example.test")
    invitation = Invitation.objects.get()
    response = client.post(f"/espace/entreprise/invitations-envoyees/{invitation.pk}/annuler/")
    assert response.status_code == 302
    assert not Invitation.objects.exists()
