"""Sign-up on allauth: consent recorded, mandatory verification, no enumeration."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from accounts.models import Account
from tests.accounts.conftest import PASSWORD, link_in_mail, log_in, page_text, signup_data
from tests.factories import UserFactory, applicant

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_sign_up_records_the_consent_and_names_and_sends_a_link(client, settings):
    response = client.post("/compte/inscription/", signup_data(email="Lea.Martin@Example.test"))
    assert response.status_code == 302
    assert response["Location"] == "/compte/verification/envoyee/"
    user = User.objects.get()
    assert user.username == user.email == "lea.martin@example.test"
    assert (user.first_name, user.last_name) == ("Léa", "Martin")
    account = Account.objects.get(user=user)
    assert account.consent_version == settings.ACCOUNT_CONSENT_VERSION
    assert account.consent_at is not None
    assert not account.is_verified
    assert "_auth_user_id" not in client.session
    link_in_mail(mail.outbox[-1], "/compte/verification/")


def test_sign_up_needs_the_consent_and_a_strong_password(client):
    response = client.post("/compte/inscription/", signup_data(consent=""))
    text = page_text(response)
    assert response.status_code == 200
    assert "Votre accord est nécessaire pour créer un compte." in text
    assert 'aria-invalid="true"' in text
    weak = client.post(
        "/compte/inscription/",
        signup_data(password1="314159265358979", password2="314159265358979"),
    )
    assert weak.status_code == 200
    assert not User.objects.exists()


def test_the_verification_link_verifies_but_does_not_log_in(client):
    client.post("/compte/inscription/", signup_data())
    link = link_in_mail(mail.outbox[-1], "/compte/verification/")
    assert client.get(link).status_code == 200  # a page with a button: mail scanners GET
    assert not Account.objects.get().is_verified
    response = client.post(link)
    assert response.status_code == 302
    assert Account.objects.get().is_verified
    assert "_auth_user_id" not in client.session
    assert log_in(client, "lea.martin@example.test", PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get().pk)


def test_an_unverified_account_cannot_log_in(client):
    client.post("/compte/inscription/", signup_data())
    mail.outbox.clear()
    response = log_in(client, "lea.martin@example.test", PASSWORD)
    assert response["Location"] == "/compte/verification/envoyee/"
    assert "_auth_user_id" not in client.session
    with time_machine.travel(timezone.now() + timedelta(minutes=4)):  # past the cooldown
        log_in(client, "lea.martin@example.test", PASSWORD)
    link_in_mail(mail.outbox[-1], "/compte/verification/")  # a new link


@pytest.mark.parametrize("existing", ["applicant", "staff"])
def test_sign_up_with_a_taken_address_answers_as_for_a_new_one(client, existing):
    """Old code: « un compte existe déjà » told anyone which addresses have an account."""
    taken = "deja@example.test"
    if existing == "applicant":
        applicant(email=taken)
    else:
        UserFactory(username="redactrice", email=taken, is_staff=True)
    new = client.post("/compte/inscription/", signup_data(email="nouvelle@example.test"))
    client.logout()
    again = client.post("/compte/inscription/", signup_data(email=taken))
    assert (again.status_code, again["Location"]) == (new.status_code, new["Location"])
    assert User.objects.filter(email__iexact=taken).count() == 1
    message = mail.outbox[-1]
    assert message.to == [taken]
    # The owner is told, with no link that verifies or logs in anything.
    assert "/compte/verification/" not in message.body
    assert "/compte/mot-de-passe/oubli/" in message.body


def test_the_link_of_a_sign_up_for_a_taken_address_logs_nobody_in(client):
    """Old code: the verification link of such a sign-up logged into the existing account."""
    owner = applicant(email="deja@example.test")
    client.post("/compte/inscription/", signup_data(email="deja@example.test"))
    for message in mail.outbox:
        for path in ("/compte/verification/", "/compte/mot-de-passe/nouveau/"):
            assert path not in message.body
    assert "http://testserver/compte/mot-de-passe/oubli/" in mail.outbox[-1].body
    client.get("/compte/mot-de-passe/oubli/")
    assert client.session.get("_auth_user_id") != str(owner.pk)
    assert EmailAddress.objects.filter(email="deja@example.test").count() == 1
