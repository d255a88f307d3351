"""The whole journey in a real browser, from a stranger to a selected applicant.

Sign up → verify the address from the mail → company profile → find the call with the
search → fill its form with an attachment → save the draft → submit → see it in
/espace/; then an evaluator of the issuing organisation scores it and marks it
"retenue", and the applicant receives the e-mail. axe-core checks the form and the
dashboard. Every step goes through the pages, nothing is created behind them except
the call and the evaluator's account.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from applications.models import Application, ApplicationStatus
from tests.applications.applying import PDF_BYTES
from tests.applications.reviewing import PASSWORD as STAFF_PASSWORD
from tests.applications.reviewing import set_form
from tests.conftest import assert_accessible
from tests.factories import create_call, evaluator_of, staff_login_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

APPLICANT_PASSWORD = "Une-phrase-de-passe-solide-2026"


def link_in(message, prefix: str) -> str:
    match = re.search(rf"https?://[^/\s]+({re.escape(prefix)}\S*)", message.body)
    assert match, f"no {prefix} link in: {message.body}"
    return match.group(1)


@pytest.fixture
def call(metropole, settings, tmp_path, inline_event_processing):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    call = create_call(
        metropole,
        title="Bornes de recharge pour les navettes maritimes du Vieux-Port",
        summary="La Métropole cherche des bornes de recharge rapides pour ses navettes.",
        sectors=["maritime_logistique"],
    )
    set_form(
        call,
        questions=[
            {"label": "Avez-vous déjà équipé un port ?", "kind": "yes_no"},
            {"label": "Fiche technique", "kind": "file", "required": True},
        ],
        criteria=[
            {"label": "Puissance de charge", "weight": 2},
            {"label": "Coût d'installation", "weight": 1},
        ],
    )
    call.refresh_from_db()
    return call


def test_from_sign_up_to_selection(page, live_server, call, metropole, tmp_path):
    base = live_server.url

    # 1. Sign up, and verify the address from the mail.
    page.goto(base + "/")
    page.get_by_role("link", name="Créer un compte").click()
    page.get_by_label("Adresse e-mail").fill("ines.roux@borne-sud.example")
    page.get_by_label("Prénom").fill("Inès")
    page.locator("#id_last_name").fill("Roux")
    page.locator("#id_password1").fill(APPLICANT_PASSWORD)
    page.get_by_label("Confirmation du mot de passe").fill(APPLICANT_PASSWORD)
    page.get_by_label("J'accepte que mes données").check()
    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_url("**/compte/verification/envoyee/")
    page.goto(base + link_in(mail.outbox[-1], "/compte/verification/"))
    page.get_by_role("button", name="Confirmer").click()
    page.wait_for_url("**/compte/connexion/")
    page.locator("#id_login").fill("ines.roux@borne-sud.example")
    page.locator("#id_password").fill(APPLICANT_PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()

    # 2. The company profile comes next.
    page.wait_for_url("**/espace/entreprise/")
    page.get_by_label("Raison sociale").fill("Borne Sud SAS")
    page.get_by_label("SIRET").fill("732 829 320 00074")
    page.get_by_label("PME", exact=False).first.check()
    page.get_by_label("Commune").fill("Marseille")
    page.get_by_label("Département").fill("13")
    page.get_by_role("button", name="Créer le profil de l'entreprise").click()
    page.get_by_role("heading", name="Mon entreprise : Borne Sud SAS").wait_for()

    # 3. Find the call with the search, open it.
    page.goto(base + "/recherche/")
    page.locator("#search-q").fill("borne recharge navette")
    page.locator("#search-q").press("Enter")
    page.get_by_role("link", name=call.title).first.click()
    page.wait_for_url(f"**/appels/{call.slug}/")

    # 4. The form: a first save as a draft, with the file.
    page.get_by_role("link", name="Candidater", exact=True).click()
    page.wait_for_url(f"**/appels/{call.slug}/candidater/")
    assert_accessible(page)
    page.get_by_label("Nom de la solution").fill("Borne Flot 150")
    page.get_by_label("Description de la solution").fill("Une borne de 150 kW sur ponton.")
    page.get_by_label("Maturité (TRL)").select_option("8")
    page.get_by_label("Équipe").fill("Deux ingénieurs électriciens et un technicien.")
    page.get_by_label("Expérimentation proposée").fill("Trois mois sur la navette du Frioul.")
    page.get_by_role("group", name="Avez-vous déjà équipé un port ?").get_by_label("Oui").check()
    sheet = tmp_path / "fiche-technique.pdf"
    sheet.write_bytes(PDF_BYTES)
    page.get_by_label("Fiche technique").set_input_files(str(sheet))
    page.get_by_role("button", name="Enregistrer le brouillon").last.click()
    expect(page.get_by_text("Votre brouillon est enregistré.")).to_be_visible()
    assert Application.objects.get().status == ApplicationStatus.DRAFT
    assert_accessible(page)

    # 5. Submit; the receipt arrives with the reference.
    page.get_by_role("button", name="Déposer ma candidature").click()
    application = Application.objects.get()
    assert application.status == ApplicationStatus.RECEIVED
    receipt = mail.outbox[-1]
    assert receipt.to == ["ines.roux@borne-sud.example"]
    assert application.reference in receipt.subject + receipt.body

    # 6. The dashboard shows it, with its status.
    page.goto(base + "/espace/")
    submitted = page.get_by_role("region", name="Candidatures déposées")
    expect(submitted).to_contain_text(application.reference)
    expect(submitted).to_contain_text("Reçue")
    assert_accessible(page)
    page.get_by_role("button", name="Se déconnecter").click()

    # 7. An evaluator of the Métropole scores it and selects it.
    evaluator = evaluator_of(metropole)
    staff_login_browser(page, base, evaluator, next="/admin/candidatures/", password=STAFF_PASSWORD)
    page.get_by_role("link", name=call.title).click()
    page.get_by_role("link", name=application.reference).click()
    expect(page.get_by_role("link", name="fiche-technique.pdf")).to_be_visible()
    page.get_by_role("group", name="Note pour « Puissance de charge »").get_by_label("5").check()
    page.get_by_role("group", name="Note pour « Coût d'installation »").get_by_label("2").check()
    page.get_by_role("button", name="Enregistrer mon évaluation").click()
    expect(page.get_by_test_id("mean")).to_have_text("4,00 / 5")
    for decision in ("Recevable", "Présélectionnée", "Retenue"):
        page.get_by_role("radio", name=decision, exact=True).check()
        page.get_by_label("Motif").fill(f"Avis du comité : {decision.lower()}")
        if decision == "Retenue":
            page.get_by_label("Prévenir le candidat par e-mail").check()
        page.get_by_role("button", name="Enregistrer la décision").click()
        expect(page.get_by_text(f"est désormais « {decision} »")).to_be_visible()

    # 8. The applicant hears it.
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SELECTED
    decision_mail = mail.outbox[-1]
    assert decision_mail.to == ["ines.roux@borne-sud.example"]
    assert "retenue" in decision_mail.subject
    assert "Avis du comité : retenue" in decision_mail.body
