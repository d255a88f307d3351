"""In a real browser: sign up, verify from the mail, log in, complete the company profile.

axe-core checks the sign-up, login and company profile pages, blank and with errors.
"""

from __future__ import annotations

import pytest
from django.core import mail

from companies.models import Company
from tests.accounts.conftest import PASSWORD, link_in_mail
from tests.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_verify_profile_and_log_in_again(page, live_server, site_structure):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Créer un compte").click()
    page.wait_for_url("**/compte/inscription/")
    assert_accessible(page)

    page.get_by_role("button", name="Créer mon compte").click()
    assert page.get_by_role("heading", name="Le formulaire contient des erreurs").is_visible()
    assert page.get_by_label("Adresse e-mail").get_attribute("aria-invalid") == "true"
    assert_accessible(page)

    page.get_by_label("Adresse e-mail").fill("lea.martin@example.test")
    page.get_by_label("Prénom").fill("Léa")
    page.locator("#id_last_name").fill("Martin")
    page.locator("#id_password1").fill(PASSWORD)
    page.get_by_label("Confirmation du mot de passe").fill(PASSWORD)
    page.get_by_label("J'accepte que mes données").check()
    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_url("**/compte/verification/envoyee/")
    assert page.get_by_role("heading", name="Vérifiez votre adresse e-mail").is_visible()
    assert_accessible(page)

    link = link_in_mail(mail.outbox[-1], "/compte/verification/")
    page.goto(live_server.url + link)
    assert_accessible(page)
    page.get_by_role("button", name="Confirmer").click()
    page.wait_for_url("**/compte/connexion/")
    page.locator("#id_login").fill("lea.martin@example.test")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    page.wait_for_url("**/espace/entreprise/")
    assert page.get_by_role("button", name="Se déconnecter").is_visible()
    assert_accessible(page)

    page.get_by_label("Raison sociale").fill("Capteurs du Vieux-Port")
    page.get_by_label("SIRET").fill("732 829 320 00075")
    page.get_by_label("TPE").check()
    page.get_by_label("Maritime et logistique").check()
    page.get_by_label("Commune").fill("Marseille")
    page.get_by_label("Département").fill("13")
    page.get_by_role("button", name="Créer le profil de l'entreprise").click()
    assert page.get_by_text("somme de contrôle incorrecte").first.is_visible()
    assert page.get_by_label("Raison sociale").input_value() == "Capteurs du Vieux-Port"
    assert_accessible(page)

    page.get_by_label("SIRET").fill("732 829 320 00074")
    page.get_by_role("button", name="Créer le profil de l'entreprise").click()
    page.get_by_role("heading", name="Mon entreprise : Capteurs du Vieux-Port").wait_for()
    assert page.get_by_role("heading", name="Membres").is_visible()
    assert Company.objects.get().siret == "73282932000074"
    assert_accessible(page)

    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(live_server.url + "/")
    page.get_by_role("link", name="Se connecter").click()
    page.wait_for_url("**/compte/connexion/")
    assert_accessible(page)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    assert page.get_by_role("heading", name="Le formulaire contient des erreurs").is_visible()
    assert_accessible(page)
    page.locator("#id_login").fill("Lea.Martin@example.test")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    page.get_by_role("link", name="Mon espace").wait_for()
    assert "/compte/connexion/" not in page.url

    for path in (
        "/compte/securite/",
        "/compte/reauthentification/",
        "/compte/mot-de-passe/oubli/",
        "/espace/entreprise/inviter/",
    ):
        page.goto(live_server.url + path)
        assert_accessible(page)
