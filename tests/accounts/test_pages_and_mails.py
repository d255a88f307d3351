"""allauth's pages sit in the site's column, and its e-mails read as the portal's French."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail

from tests.accounts.conftest import last_mail_to, log_in, signup_data
from tests.factories import PASSWORD as FACTORY_PASSWORD
from tests.factories import applicant, editor_of, enrol_totp, staff_login

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/compte/connexion/", "/compte/inscription/", "/compte/mot-de-passe/oubli/"]
)
def test_account_pages_put_their_form_in_the_page_column(client, path):
    html = client.get(path).content.decode()
    column = html.index('class="container account-page')
    assert column < html.index("<form", html.index('id="contenu"')), (
        "the form is inside the page's column, not flush against the window's edge"
    )


def _no_site_domain_greeting(body: str) -> None:
    assert "testserver" not in body.split("http://testserver", 1)[0], "no host name as a name"
    assert "Hello" not in body and "c'est" not in body


def test_the_verification_mail_is_the_portals_french(client):
    client.post("/compte/inscription/", signup_data())
    message = last_mail_to("lea.martin@example.test")
    assert message.subject == "Confirmez votre adresse e-mail"
    assert message.body.startswith("Bonjour,")
    assert "Vous venez de créer un compte candidat" in message.body
    assert re.search(r"http://testserver/compte/verification/\S+/", message.body)
    assert "Plateforme territoriale d'innovation" in message.body
    _no_site_domain_greeting(message.body)


def test_a_sign_up_for_a_taken_address_mails_its_owner_in_french(client):
    applicant(company=False, email="lea.martin@example.test")
    mail.outbox.clear()
    client.post("/compte/inscription/", signup_data())
    message = last_mail_to("lea.martin@example.test")
    assert message.subject == "Un compte existe déjà avec cette adresse"
    assert "choisissez-en un nouveau" in message.body
    _no_site_domain_greeting(message.body)


def test_the_password_reset_mail_is_the_portals_french(client):
    applicant(company=False, email="lea.martin@example.test")
    mail.outbox.clear()
    client.post("/compte/mot-de-passe/oubli/", {"email": "lea.martin@example.test"})
    message = last_mail_to("lea.martin@example.test")
    assert message.subject == "Choisir un nouveau mot de passe"
    assert "http://testserver/compte/mot-de-passe/nouveau/" in message.body
    _no_site_domain_greeting(message.body)


def test_messages_of_account_pages_sit_in_the_page_column(client, metropole):
    editor = editor_of(metropole)
    enrol_totp(editor)
    Authenticator.objects.filter(user=editor).delete()
    log_in(client, editor.username, FACTORY_PASSWORD)
    activation = client.get(client.get("/admin/")["Location"])  # with the enrolment notice
    html = activation.content.decode()
    notice = html.index("L&#x27;accès à l&#x27;administration demande")
    assert html.index('class="container account-page') < notice, "inside the column"


def test_staff_account_links_lead_to_the_cms_not_to_applicant_pages(client, metropole):
    editor = editor_of(metropole)
    staff_login(client, editor)
    html = client.get("/compte/securite/").content.decode()
    assert 'href="/admin/"' in html
    assert "/compte/supprimer/" not in html and "/espace/entreprise/" not in html
