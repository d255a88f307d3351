"""An evaluator in a real browser: list, detail, scoring, the decisions up to "retenue"."""

from __future__ import annotations

import pytest
from django.core import mail
from playwright.sync_api import expect

from applications.models import ApplicationStatus, Evaluation, StatusChange
from tests.applications.reviewing import (
    PASSWORD,
    attach,
    member_of,
    set_form,
    submitted_application,
    use_private_root,
)
from tests.conftest import assert_accessible
from tests.factories import CompanyFactory, create_call, evaluator_of, staff_login_browser


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_evaluator_scores_and_selects_an_application(
    page, live_server, metropole, settings, tmp_path
):
    use_private_root(settings, tmp_path / "private")
    call = create_call(metropole, title="Navettes maritimes électriques")
    _questions, criteria = set_form(
        call,
        questions=[{"label": "Nombre de navettes livrées", "kind": "number"}],
        criteria=[
            {"label": "Caractère innovant", "weight": 2},
            {"label": "Impact environnemental", "weight": 1},
        ],
    )
    company = CompanyFactory(legal_name="Voile Électrique SAS")
    application = submitted_application(call, company, solution_name="Navette solaire")
    attach(application, "Dossier technique.pdf")
    member_of(company, "capitaine@voile.example")
    evaluator = evaluator_of(metropole)

    staff_login_browser(
        page, live_server.url, evaluator, next="/admin/candidatures/", password=PASSWORD
    )

    page.get_by_role("link", name="Navettes maritimes électriques").click()
    page.wait_for_url(f"**/admin/candidatures/appels/{call.pk}/")
    assert page.get_by_role("cell", name="Voile Électrique SAS").is_visible()
    assert_accessible(page)

    page.get_by_role("link", name=application.reference).click()
    page.wait_for_url(f"**/admin/candidatures/{application.public_id}/")
    assert page.get_by_role("link", name="Dossier technique.pdf").is_visible()
    assert_accessible(page)

    # A forgotten criterion: the error is announced next to it, the rest is kept.
    page.get_by_role("group", name="Note pour « Caractère innovant »").get_by_label("4").check()
    page.get_by_label("Avis général").fill("Solide et local.")
    page.get_by_role("button", name="Enregistrer mon évaluation").click()
    expect(page.get_by_text("Donnez une note de 0 à 5 à ce critère.")).to_be_visible()
    assert page.get_by_label("Avis général").input_value() == "Solide et local."
    assert_accessible(page)

    page.get_by_role("group", name="Note pour « Impact environnemental »").get_by_label("1").check()
    page.get_by_role("button", name="Enregistrer mon évaluation").click()
    expect(page.get_by_text("Votre évaluation est enregistrée.")).to_be_visible()
    expect(page.get_by_test_id("mean")).to_have_text("3,00 / 5")

    for decision in ("Recevable", "Présélectionnée", "Retenue"):
        page.get_by_role("radio", name=decision, exact=True).check()
        page.get_by_label("Motif").fill(f"Motif : {decision.lower()}")
        if decision == "Retenue":
            page.get_by_label("Prévenir le candidat par e-mail").check()
        page.get_by_role("button", name="Enregistrer la décision").click()
        expect(page.get_by_text(f"est désormais « {decision} »")).to_be_visible()

    application.refresh_from_db()
    assert application.status == ApplicationStatus.SELECTED
    assert Evaluation.objects.get().evaluator == evaluator
    assert [c.to_status for c in StatusChange.objects.order_by("pk")] == [
        "received",
        "admissible",
        "shortlisted",
        "selected",
    ]
    [message] = mail.outbox
    assert message.to == ["capitaine@voile.example"]
    assert message.subject == "Votre candidature est retenue — Navettes maritimes électriques"
    assert "Motif : retenue" in message.body
    assert criteria  # the grid had the call's two criteria
