"""Password reset on allauth: same answer for every address, a link that works once."""

from __future__ import annotations

import pytest
from django.core import mail

from tests.accounts.conftest import link_in_mail, log_in
from tests.factories import applicant

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "une toute nouvelle phrase"


def test_a_reset_link_sets_a_new_password_once(client):
    user = applicant(email="lea@example.test")
    response = client.post("/compte/mot-de-passe/oubli/", {"email": "Lea@example.test"})
    assert response["Location"] == "/compte/mot-de-passe/oubli/envoye/"
    link = link_in_mail(mail.outbox[-1], "/compte/mot-de-passe/nouveau/")
    form = client.get(link)
    if form.status_code == 302:  # allauth moves the key into the session first
        link = form["Location"]
    data = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert client.post(link, data)["Location"] == "/compte/mot-de-passe/modifie/"
    assert log_in(client, "lea@example.test", NEW_PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    client.logout()
    again = client.post(link, {"password1": "encore une autre", "password2": "encore une autre"})
    assert again.status_code in (200, 302)
    assert log_in(client, "lea@example.test", "encore une autre").status_code == 200


def test_an_unknown_address_gets_the_same_answer(client):
    known = client.post("/compte/mot-de-passe/oubli/", {"email": "lea@example.test"})
    unknown = client.post("/compte/mot-de-passe/oubli/", {"email": "personne@example.test"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
