"""In a real browser on a 390 px phone: the invitee joins by a click; the pages pass axe-core."""

from __future__ import annotations

import pytest

from companies.models import Membership
from tests.companies.conftest import PASSWORD, invitation_link
from tests.conftest import assert_accessible
from tests.factories import CompanyFactory, applicant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="fr-FR",
        timezone_id="Europe/Paris",
    )
    yield context.new_page()
    context.close()


def assert_fits_the_phone(page) -> None:
    widths = page.evaluate(
        "() => ({scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["inner"] == 390, widths


def log_in(page, live_server, email: str) -> None:
    page.goto(live_server.url + "/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    page.wait_for_load_state()


def check(page) -> None:
    assert_fits_the_phone(page)
    assert_accessible(page)


def test_invite_join_by_a_click_and_leave_on_a_phone(phone, live_server, site_structure):
    page = phone
    company = CompanyFactory(legal_name="Capteurs du Vieux-Port et de l'Estaque")
    applicant(company=company, email="lea.martin-duplessis@example.test", role="owner")
    log_in(page, live_server, "lea.martin-duplessis@example.test")
    page.goto(live_server.url + "/espace/entreprise/inviter/")
    check(page)
    page.get_by_label("Adresse e-mail de votre collègue").fill("paul@example.test")
    page.get_by_role("button", name="Envoyer l'invitation").click()
    page.get_by_role("heading", name="Invitations en attente").wait_for()
    check(page)
    page.get_by_role("button", name="Se déconnecter").click()

    paul = applicant(company=False, email="paul@example.test")
    page.goto(live_server.url + invitation_link("paul@example.test"))
    page.wait_for_url("**/compte/connexion/**")
    page.get_by_label("Adresse e-mail").fill("paul@example.test")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    join = page.get_by_role("button", name="Rejoindre Capteurs du Vieux-Port et de l'Estaque")
    join.wait_for()
    assert not Membership.objects.filter(user=paul).exists()
    check(page)
    join.click()
    page.get_by_text("Vous avez rejoint l'entreprise").wait_for()
    assert Membership.objects.get(user=paul).role == "member"
    check(page)

    page.get_by_role("link", name="Quitter l'entreprise").click()
    check(page)
    page.get_by_role("button", name="Quitter l'entreprise").click()
    page.get_by_text("Vous avez quitté l'entreprise").wait_for()
    assert not Membership.objects.filter(user=paul).exists()


def test_owner_pages_on_a_phone(phone, live_server, site_structure):
    page = phone
    company = CompanyFactory(legal_name="Capteurs du Vieux-Port")
    applicant(company=company, email="lea@example.test", role="owner")
    applicant(company=company, email="paul.tres-long-nom-de-famille@example.test", role="member")
    log_in(page, live_server, "lea@example.test")
    page.goto(live_server.url + "/espace/entreprise/")
    assert page.get_by_role("button", name="Nommer responsable").is_visible()
    check(page)
    for path in ("/espace/entreprise/quitter/", "/espace/entreprise/supprimer/"):
        page.goto(live_server.url + path)
        check(page)
