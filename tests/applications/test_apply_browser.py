"""Applying in a real browser: errors shown and accessible, a file joined, draft, submission.

The browser talks to the live server, which reads committed data (transactional
tests); the applicant's session is made by Django's test client and handed to the
browser as a cookie.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from applications.models import Application, ApplicationStatus
from tests.applications.applying import (
    PDF_BYTES,
    add_questions,
    private_media,  # noqa: F401  (fixture)
)
from tests.conftest import assert_accessible
from tests.factories import applicant, create_call

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("private_media"),
]


def log_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def test_apply_with_errors_then_a_file_then_submit_and_see_the_dashboard(
    page, live_server, metropole, tmp_path
):
    call = create_call(metropole, title="Qualité de l'air sur les quais")
    add_questions(
        call,
        {"label": "Déjà testé en France ?", "kind": "yes_no"},
        {"label": "Taille du déploiement", "kind": "choice", "choices": "Petit\nMoyen\nGrand"},
        {"label": "Extrait Kbis", "kind": "file", "required": True},
    )
    log_in(page, live_server, applicant(email="lea@mistral.test"))

    page.goto(f"{live_server.url}{call.url}")
    page.get_by_role("link", name="Candidater", exact=True).click()
    page.get_by_label("Nom de la solution").fill("Capteurs Mistral")
    page.get_by_role("button", name="Déposer ma candidature").click()

    summary = page.get_by_role("alert")
    assert "La candidature est incomplète" in summary.inner_text()
    team = page.get_by_label("Équipe")
    assert team.get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Nom de la solution").input_value() == "Capteurs Mistral"
    assert_accessible(page)

    page.get_by_label("Description de la solution").fill("Des capteurs autonomes.")
    page.get_by_label("Maturité (TRL)").select_option("7")
    team.fill("Trois ingénieurs.")
    page.get_by_label("Expérimentation proposée").fill("Six mois sur deux quais.")
    page.get_by_role("group", name="Déjà testé en France ?").get_by_label("Oui").check()
    page.get_by_role("group", name="Taille du déploiement").get_by_label("Moyen").check()
    kbis = tmp_path / "kbis.pdf"
    kbis.write_bytes(PDF_BYTES)
    page.get_by_label("Extrait Kbis").set_input_files(str(kbis))
    page.get_by_role("button", name="Enregistrer le brouillon").last.click()

    assert "Votre brouillon est enregistré." in page.content()
    assert page.get_by_role("link", name="kbis.pdf").is_visible()
    assert page.get_by_label("Description de la solution").input_value() == (
        "Des capteurs autonomes."
    )
    page.get_by_role("button", name="Déposer ma candidature").click()

    application = Application.objects.get()
    assert application.status == ApplicationStatus.RECEIVED
    assert page.get_by_role("heading", level=1).inner_text().startswith("Ma candidature")
    assert application.reference in page.content()
    assert_accessible(page)

    page.get_by_role("navigation", name="Fil d'Ariane").get_by_role(
        "link", name="Mon espace"
    ).click()
    assert page.get_by_role("heading", name="Candidatures déposées").is_visible()
    assert page.get_by_role("link", name=call.title).first.is_visible()
    assert_accessible(page)


def test_enter_in_a_text_field_saves_the_draft_and_removes_no_file(page, live_server, metropole):
    call = create_call(metropole)
    user = applicant()
    log_in(page, live_server, user)
    application = Application.objects.create(
        call=call, company=user.membership.company, created_by=user
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    from applications.services import attachment_add
    from applications.uploads import check_upload

    attachment_add(
        application=application,
        checked=check_upload(SimpleUploadedFile("plaquette.pdf", PDF_BYTES)),
        user=user,
    )
    page.goto(f"{live_server.url}/appels/{call.slug}/candidater/")
    page.get_by_label("Nom de la solution").fill("Mistral")
    page.get_by_label("Nom de la solution").press("Enter")
    page.wait_for_load_state()

    assert "Votre brouillon est enregistré." in page.content()
    application.refresh_from_db()
    assert application.solution_name == "Mistral"
    assert application.attachments.count() == 1
