"""Forgotten password: a French mail with a one-time link, then a new password."""

from __future__ import annotations

import pytest
from django.core import mail

from tests.accounts.conftest import last_mail_to, link_in_mail
from tests.factories import applicant

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "un tout nouveau mot de passe"


def test_reset_by_mail_then_log_in_with_the_new_password(client):
    user = applicant(email="lea@example.test")
    response = client.post("/compte/mot-de-passe/oubli/", {"email": "lea@example.test"})
    assert response.status_code == 302
    assert response["Location"] == "/compte/mot-de-passe/oubli/envoye/"

    message = last_mail_to("lea@example.test")
    assert "Réinitialisation de votre mot de passe" in message.subject
    assert "Bonjour" in message.body
    link = link_in_mail(message, "/compte/mot-de-passe/nouveau/")

    form = client.get(link, follow=True)
    assert "Choisir un nouveau mot de passe" in form.content.decode()
    set_url = form.redirect_chain[-1][0]
    weak = client.post(set_url, {"new_password1": "123", "new_password2": "123"})
    assert "trop court" in weak.content.decode()
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == "/compte/mot-de-passe/modifie/"

    old = client.post(
        "/compte/connexion/", {"username": user.email, "password": "mot-de-passe-de-test"}
    )
    assert old.status_code == 200
    new = client.post("/compte/connexion/", {"username": user.email, "password": NEW_PASSWORD})
    assert new.status_code == 302
    assert client.get(link, follow=True).context["validlink"] is False, "a link serves once"


def test_unknown_address_gets_the_same_answer_and_no_mail(client):
    response = client.post("/compte/mot-de-passe/oubli/", {"email": "personne@example.test"})
    assert response.status_code == 302
    assert response["Location"] == "/compte/mot-de-passe/oubli/envoye/"
    assert mail.outbox == []


def test_a_reset_also_proves_an_unverified_address(client):
    user = applicant(email="lea@example.test", verified=False)
    client.post("/compte/mot-de-passe/oubli/", {"email": "lea@example.test"})
    link = link_in_mail(last_mail_to("lea@example.test"), "/compte/mot-de-passe/nouveau/")
    set_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    user.account.refresh_from_db()
    assert user.account.is_verified
    login = client.post("/compte/connexion/", {"username": user.email, "password": NEW_PASSWORD})
    assert login.status_code == 302
