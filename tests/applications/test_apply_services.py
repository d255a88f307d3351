"""The applicant's services: drafts, submission (numbering, receipt), withdrawal, reopening."""

from __future__ import annotations

import pytest
from django.core import mail

from applications.models import Application, ApplicationStatus, StatusChange
from applications.services import (
    ApplicationError,
    ApplicationIncomplete,
    application_reopen,
    application_save_draft,
    application_start,
    application_submit,
    application_withdraw,
    attachment_add,
)
from applications.uploads import check_upload
from tests.applications.applying import add_questions, pdf
from tests.factories import CompanyFactory, applicant, create_call

pytestmark = pytest.mark.django_db

COMPLETE = {
    "solution_name": "Capteurs Mistral",
    "description": "Des capteurs autonomes.",
    "maturity": 7,
    "team": "Trois ingénieurs.",
    "pilot_proposal": "Six mois sur deux quais.",
}


@pytest.fixture
def call(metropole):
    return create_call(metropole, title="Qualité de l'air sur les quais")


def draft_for(call, user, **fields) -> Application:
    company = user.membership.company
    application = application_start(call=call, company=company, user=user)
    return application_save_draft(
        application=application, fields={**COMPLETE, **fields}, answers={}, user=user
    )


def test_submit_numbers_logs_and_mails_the_receipt_to_every_member(
    call, django_capture_on_commit_callbacks
):
    user = applicant(email="lea@mistral.test")
    colleague = applicant(user.membership.company, email="malik@mistral.test", role="member")
    application = draft_for(call, user)

    with django_capture_on_commit_callbacks(execute=True):
        submitted = application_submit(application=application, user=user)

    assert submitted.status == ApplicationStatus.RECEIVED
    assert submitted.reference == f"{call.call_id}-001"
    assert submitted.submitted_at is not None
    change = StatusChange.objects.get(application=submitted)
    assert (change.from_status, change.to_status, change.changed_by) == (
        "draft",
        "received",
        user,
    )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([colleague.email, user.email])
    message = mail.outbox[0]
    assert submitted.reference in message.subject
    assert "Candidature reçue" in message.subject
    assert "Capteurs Mistral" in message.body
    assert call.title in message.body
    assert f"/espace/candidatures/{submitted.public_id}/" in message.body


def test_references_count_per_call(call, metropole):
    other_call = create_call(metropole)
    first, second, third = applicant(), applicant(), applicant()
    refs = [
        application_submit(application=draft_for(call, first), user=first).reference,
        application_submit(application=draft_for(call, second), user=second).reference,
        application_submit(application=draft_for(other_call, third), user=third).reference,
    ]
    assert refs == [f"{call.call_id}-001", f"{call.call_id}-002", f"{other_call.call_id}-001"]


def test_a_deleted_application_never_frees_its_number(call):
    first, second, third = applicant(), applicant(), applicant()
    application_submit(application=draft_for(call, first), user=first)
    kept = application_submit(application=draft_for(call, second), user=second)
    Application.objects.filter(company=first.membership.company).delete()
    latest = application_submit(application=draft_for(call, third), user=third)
    assert (kept.reference, latest.reference) == (f"{call.call_id}-002", f"{call.call_id}-003")


def test_one_application_per_company_and_call(call):
    user = applicant()
    colleague = applicant(user.membership.company, role="member")
    company = user.membership.company
    first = application_start(call=call, company=company, user=user)
    again = application_start(call=call, company=company, user=colleague)
    assert first.pk == again.pk
    assert Application.objects.filter(call=call, company=company).count() == 1


def test_missing_standard_fields_and_required_questions_block_submission(call):
    text, optional, document = add_questions(
        call,
        {"label": "Votre modèle économique", "kind": "long_text", "required": True},
        {"label": "Un lien vers une vidéo", "kind": "text", "required": False},
        {"label": "Extrait Kbis", "kind": "file", "required": True},
    )
    user = applicant()
    application = draft_for(call, user, team="", maturity=None)

    with pytest.raises(ApplicationIncomplete) as refused:
        application_submit(application=application, user=user)

    assert set(refused.value.errors) == {
        "team",
        "maturity",
        text.field_name,
        document.field_name,
    }
    assert "Joignez ce fichier" in refused.value.errors[document.field_name]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
    assert application.reference is None

    application_save_draft(
        application=application,
        fields={"team": "Deux personnes", "maturity": 5},
        answers={text.field_name: "Abonnement annuel"},
        user=user,
    )
    attachment_add(
        application=application, checked=check_upload(pdf("kbis.pdf")), question=document, user=user
    )
    submitted = application_submit(application=application, user=user)
    assert submitted.status == ApplicationStatus.RECEIVED
    assert optional.field_name not in submitted.answers


def test_a_submitted_application_can_no_longer_be_edited_or_submitted_again(call):
    user = applicant()
    application = application_submit(application=draft_for(call, user), user=user)
    with pytest.raises(ApplicationError, match="ne peut plus être modifiée"):
        application_save_draft(application=application, fields={"team": "x"}, answers={}, user=user)
    with pytest.raises(ApplicationError):
        application_submit(application=application, user=user)


def test_a_withdrawn_or_unpublished_call_refuses(call, metropole):
    user = applicant()
    application = draft_for(call, user)
    call.unpublish()
    call.refresh_from_db()
    with pytest.raises(ApplicationError, match="retiré"):
        application_submit(application=application, user=user)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


def test_a_call_closed_early_refuses(call):
    user = applicant()
    application = draft_for(call, user)
    from django.utils import timezone

    type(call).objects.filter(pk=call.pk).update(closed_early_at=timezone.now())
    with pytest.raises(ApplicationError, match="clôturé avant la date prévue"):
        application_submit(application=application, user=user)


def test_withdraw_logs_and_reopen_makes_a_draft_that_keeps_its_reference(call):
    user = applicant()
    application = application_submit(application=draft_for(call, user), user=user)

    withdrawn = application_withdraw(application=application, user=user, reason="Pas prêts")
    assert withdrawn.status == ApplicationStatus.WITHDRAWN
    assert withdrawn.withdrawn_at is not None
    last = StatusChange.objects.filter(application=application).last()
    assert (last.to_status, last.reason) == ("withdrawn", "Pas prêts")
    with pytest.raises(ApplicationError, match="déjà retirée"):
        application_withdraw(application=withdrawn, user=user)

    reopened = application_reopen(application=withdrawn, user=user)
    assert reopened.status == ApplicationStatus.DRAFT
    resubmitted = application_submit(application=reopened, user=user)
    assert resubmitted.reference == f"{call.call_id}-001"
    assert list(
        StatusChange.objects.filter(application=application).values_list("to_status", flat=True)
    ) == ["received", "withdrawn", "draft", "received"]


def test_withdraw_is_refused_after_a_decision(call):
    user = applicant()
    application = application_submit(application=draft_for(call, user), user=user)
    Application.objects.filter(pk=application.pk).update(status=ApplicationStatus.ADMISSIBLE)
    with pytest.raises(ApplicationError, match="déjà statué"):
        application_withdraw(application=application, user=user)


def test_reopen_only_a_withdrawn_application(call):
    user = applicant()
    application = draft_for(call, user)
    with pytest.raises(ApplicationError, match="Seule une candidature retirée"):
        application_reopen(application=application, user=user)


def test_start_refuses_a_company_on_an_upcoming_call(metropole):
    from datetime import timedelta

    from django.utils import timezone

    upcoming = create_call(metropole, opens_at=timezone.now() + timedelta(days=2))
    user = applicant()
    with pytest.raises(ApplicationError, match="ouvriront le"):
        application_start(call=upcoming, company=CompanyFactory(), user=user)
