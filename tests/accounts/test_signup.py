"""Sign-up → verification mail → verified and logged in; what is refused on the way."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.utils import timezone

from accounts.models import Account
from tests.accounts.conftest import PASSWORD, last_mail_to, link_in_mail, signup_data
from tests.factories import applicant

pytestmark = pytest.mark.django_db

User = get_user_model()


def test_sign_up_verify_then_log_in(client, settings):
    page = client.get("/compte/inscription/")
    assert page.status_code == 200
    assert "Vos données personnelles" in page.content.decode()

    response = client.post("/compte/inscription/", signup_data(email="  Lea.Martin@Example.TEST "))
    assert response.status_code == 302
    assert response["Location"] == "/compte/inscription/envoye/"
    assert "lea.martin@example.test" in client.get(response["Location"]).content.decode()

    user = User.objects.get(username="lea.martin@example.test")
    assert user.email == "lea.martin@example.test"
    assert (user.first_name, user.last_name) == ("Léa", "Martin")
    account = user.account
    assert account.email_verified_at is None
    assert account.consent_version == settings.ACCOUNT_CONSENT_VERSION
    assert abs(account.consent_at - timezone.now()) < timedelta(minutes=1)
    assert "_auth_user_id" not in client.session

    message = last_mail_to("lea.martin@example.test")
    assert "Vérifiez votre adresse" in message.subject
    assert "Bonjour Léa" in message.body
    link = link_in_mail(message, "/compte/verification/")

    # Not verified yet: the password is right but the login is refused, with a way out.
    refused = client.post(
        "/compte/connexion/", {"username": "lea.martin@example.test", "password": PASSWORD}
    )
    assert refused.status_code == 200
    assert "pas encore vérifiée" in refused.content.decode()
    assert "/compte/verification/renvoyer/?email=lea.martin%40example.test" in (
        refused.content.decode()
    )
    assert "_auth_user_id" not in client.session

    verified = client.get(link)
    assert verified.status_code == 302
    assert verified["Location"] == "/espace/entreprise/", "no company yet: the profile first"
    assert client.session["_auth_user_id"] == str(user.pk)
    account.refresh_from_db()
    assert account.is_verified

    client.post("/compte/deconnexion/")
    assert "_auth_user_id" not in client.session
    login = client.post(
        "/compte/connexion/", {"username": "LEA.martin@example.test", "password": PASSWORD}
    )
    assert login.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_verification_link_works_once(client):
    client.post("/compte/inscription/", signup_data())
    link = link_in_mail(mail.outbox[-1], "/compte/verification/")
    client.get(link)
    client.post("/compte/deconnexion/")

    again = client.get(link, follow=True)
    assert "déjà vérifiée" in again.content.decode()
    assert "_auth_user_id" not in client.session, "a used link must not log anyone in"


def test_an_expired_link_is_refused_and_offers_a_new_one(client, settings):
    client.post("/compte/inscription/", signup_data())
    link = link_in_mail(mail.outbox[-1], "/compte/verification/")
    later = timezone.now() + timedelta(seconds=settings.ACCOUNT_VERIFICATION_MAX_AGE_SECONDS + 5)
    with time_machine.travel(later):
        response = client.get(link)
    assert response.status_code == 400
    assert "a expiré" in response.content.decode()
    assert "/compte/verification/renvoyer/" in response.content.decode()
    assert not Account.objects.get().is_verified
    assert "_auth_user_id" not in client.session


def test_forged_links_are_refused(client):
    client.post("/compte/inscription/", signup_data())
    user = User.objects.get()
    link = link_in_mail(mail.outbox[-1], "/compte/verification/")
    token = link.split("/")[-2]
    forged = [
        token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB"),
        signing.dumps({"user": user.pk, "email": user.email}, salt="another-purpose"),
        "n-importe-quoi",
    ]
    for fake in forged:
        response = client.get(f"/compte/verification/{fake}/")
        assert response.status_code == 400, fake
        assert "non valide" in response.content.decode()
    assert not Account.objects.get().is_verified


def test_a_link_stops_working_when_the_address_changes(client):
    client.post("/compte/inscription/", signup_data())
    link = link_in_mail(mail.outbox[-1], "/compte/verification/")
    User.objects.update(email="autre@example.test", username="autre@example.test")
    assert client.get(link).status_code == 400
    assert not Account.objects.get().is_verified


def test_an_address_already_used_is_refused_without_detail(client):
    applicant(email="lea.martin@example.test")
    response = client.post("/compte/inscription/", signup_data(email="Lea.Martin@example.test"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Un compte existe déjà avec cette adresse" in content
    assert 'aria-invalid="true"' in content
    assert User.objects.filter(username__iexact="lea.martin@example.test").count() == 1
    assert mail.outbox == []


def test_weak_or_mismatched_passwords_are_refused_in_french(client):
    cases = {
        "123456789012": "entièrement numérique",
        "court": "trop court",
        "password1234": "trop courant",
        "lea.martin@example": "trop semblable",
    }
    for password, message in cases.items():
        response = client.post(
            "/compte/inscription/", signup_data(password1=password, password2=password)
        )
        assert response.status_code == 200
        content = response.content.decode()
        assert message in content, password
        assert 'value="lea.martin@example.test"' in content, "what was typed is kept"
        assert 'value="Léa"' in content
    mismatch = client.post("/compte/inscription/", signup_data(password2=PASSWORD + "!"))
    assert "ne correspondent pas" in mismatch.content.decode()
    assert not User.objects.exists()
    assert mail.outbox == []


def test_consent_is_required(client):
    data = signup_data()
    del data["consent"]
    response = client.post("/compte/inscription/", data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Votre accord est nécessaire" in content
    assert 'id="id_consent_error"' in content
    assert not User.objects.exists()


def test_resend_sends_a_new_link_only_to_unverified_accounts_and_says_the_same(client):
    client.post("/compte/inscription/", signup_data())
    mail.outbox.clear()
    applicant(email="deja.verifie@example.test")

    answers = []
    for email in ("LEA.martin@example.test", "inconnu@example.test", "deja.verifie@example.test"):
        response = client.post("/compte/verification/renvoyer/", {"email": email})
        assert response.status_code == 200
        answers.append(response.content.decode().split('role="status"')[1][:300])
    assert answers[0] == answers[1] == answers[2], "the page must not reveal who has an account"
    assert [m.to for m in mail.outbox] == [["lea.martin@example.test"]]
    assert client.get(link_in_mail(mail.outbox[0], "/compte/verification/")).status_code == 302


def test_invitation_link_prefills_the_address(client):
    response = client.get("/compte/inscription/?email=collegue%40example.test")
    assert 'value="collegue@example.test"' in response.content.decode()
