"""Decisions: the allowed transitions, their log, the e-mail, and the organisations' templates."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from applications.decisions import DecisionError, application_decide
from applications.models import ApplicationStatus, DecisionTemplate, StatusChange
from tests.applications.reviewing import member_of, submitted_application
from tests.factories import UserFactory, create_call, editor_of, evaluator_of, log_in_as

S = ApplicationStatus


@pytest.fixture
def call(metropole):
    return create_call(metropole, title="Logistique urbaine décarbonée")


@pytest.fixture
def evaluator(metropole):
    return evaluator_of(metropole)


@pytest.fixture
def application(call):
    application = submitted_application(call)
    member_of(application.company, "dirigeante@ocean.example")
    member_of(application.company, "associe@ocean.example")
    return application


def decide_url(application) -> str:
    return reverse("applications_admin:decide", args=[application.public_id])


@pytest.mark.parametrize(
    ("start", "decision"),
    [
        (S.RECEIVED, S.ADMISSIBLE),
        (S.RECEIVED, S.INADMISSIBLE),
        (S.ADMISSIBLE, S.SHORTLISTED),
        (S.ADMISSIBLE, S.REJECTED),
        (S.SHORTLISTED, S.SELECTED),
        (S.SHORTLISTED, S.REJECTED),
    ],
)
def test_allowed_decisions_are_logged(call, evaluator, start, decision):
    application = submitted_application(call, status=start)
    change = application_decide(
        application, decision=decision, user=evaluator, reason="Dossier complet", notify=False
    )
    application.refresh_from_db()
    assert application.status == decision
    assert application.decided_at is not None
    assert (change.from_status, change.to_status) == (start, decision)
    assert change.changed_by == evaluator
    assert change.reason == "Dossier complet"
    assert change.notified_at is None


@pytest.mark.parametrize(
    ("start", "decision"),
    [
        (S.RECEIVED, S.SELECTED),
        (S.RECEIVED, S.SHORTLISTED),
        (S.ADMISSIBLE, S.SELECTED),
        (S.INADMISSIBLE, S.ADMISSIBLE),
        (S.SELECTED, S.REJECTED),
        (S.REJECTED, S.SELECTED),
        (S.WITHDRAWN, S.ADMISSIBLE),
        (S.RECEIVED, S.DRAFT),
    ],
)
def test_other_decisions_are_refused(call, evaluator, start, decision):
    application = submitted_application(call, status=start)
    with pytest.raises(DecisionError, match="ne peut pas passer à"):
        application_decide(application, decision=decision, user=evaluator, reason="x", notify=True)
    application.refresh_from_db()
    assert application.status == start
    assert StatusChange.objects.filter(application=application).count() == 1


def test_the_service_reads_the_status_again(call, evaluator, application):
    """A stale copy (another evaluator decided meanwhile) cannot decide from the old status."""
    stale = type(application).objects.get(pk=application.pk)
    application_decide(
        application, decision=S.ADMISSIBLE, user=evaluator, reason="ok", notify=False
    )
    with pytest.raises(DecisionError):
        application_decide(stale, decision=S.INADMISSIBLE, user=evaluator, reason="x", notify=False)


def test_the_form_refuses_a_decision_not_offered_in_french(client, evaluator, application):
    log_in_as(client, evaluator)
    response = client.post(decide_url(application), {"decision": "selected", "reason": "x"})
    assert response.status_code == 400
    assert "Cette décision n&#x27;est pas possible depuis le statut actuel." in (
        response.content.decode()
    )
    response = client.post(decide_url(application), {"decision": "admissible", "reason": ""})
    content = response.content.decode()
    assert "Indiquez le motif de la décision." in content
    assert 'value="admissible" required id="id_decision_0" checked' in content
    application.refresh_from_db()
    assert application.status == S.RECEIVED


def test_default_e_mail_goes_to_every_member_after_commit(
    client, evaluator, application, django_capture_on_commit_callbacks
):
    application.status = S.SHORTLISTED
    application.save()
    log_in_as(client, evaluator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            decide_url(application),
            {"decision": "selected", "reason": "Meilleur rapport coût-impact", "notify": "on"},
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["associe@ocean.example", "dirigeante@ocean.example"]
    assert message.subject == "Votre candidature est retenue — Logistique urbaine décarbonée"
    assert f"Félicitations : votre candidature {application.reference}" in message.body
    assert "Motif :\nMeilleur rapport coût-impact" in message.body
    assert "http://testserver/" in message.body
    assert "&#x27;" not in message.body  # plain text, not HTML-escaped
    change = StatusChange.objects.get(to_status=S.SELECTED)
    assert change.notified_at is not None
    content = client.get(response["Location"]).content.decode()
    assert "Présélectionnée → Retenue" in content
    assert "Meilleur rapport coût-impact" in content


def test_the_organisations_template_replaces_the_default(
    evaluator, call, application, metropole, cci, django_capture_on_commit_callbacks
):
    DecisionTemplate.objects.create(
        organisation=metropole,
        status=S.ADMISSIBLE,
        subject="{entreprise} : dossier {reference} {decision}",
        body=(
            "Bonjour {entreprise},\nL'appel « {appel} » ({identifiant_appel}) de {organisation}"
            " : {motif}\n{lien}\n{{accolades}}"
        ),
    )
    DecisionTemplate.objects.create(
        organisation=cci, status=S.ADMISSIBLE, subject="Ne pas utiliser", body="Autre"
    )
    with django_capture_on_commit_callbacks(execute=True):
        application_decide(
            application, decision=S.ADMISSIBLE, user=evaluator, reason="Complet", notify=True
        )
    [message] = mail.outbox
    company = application.company.legal_name
    assert message.subject == f"{company} : dossier {application.reference} Recevable"
    assert message.body == (
        f"Bonjour {company},\nL'appel « Logistique urbaine décarbonée » ({call.call_id}) de "
        f"{metropole.name} : Complet\nhttp://testserver/espace/candidatures/"
        f"{application.public_id}/\n{{accolades}}"
    )


def test_no_e_mail_when_not_asked(
    client, evaluator, application, django_capture_on_commit_callbacks
):
    log_in_as(client, evaluator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(decide_url(application), {"decision": "inadmissible", "reason": "Hors sujet"})
    assert mail.outbox == []
    change = StatusChange.objects.get(to_status=S.INADMISSIBLE)
    assert change.notified_at is None
    assert change.changed_by == evaluator


def test_a_rolled_back_decision_tells_nobody(
    evaluator, application, django_capture_on_commit_callbacks
):
    from django.db import transaction

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        application_decide(
            application, decision=S.ADMISSIBLE, user=evaluator, reason="ok", notify=True
        )
        raise RuntimeError
    assert callbacks == []
    assert mail.outbox == []


# --- Decision templates in the admin ----------------------------------------------------------


def test_each_organisation_edits_only_its_own_templates(client, metropole, cci, evaluator):
    own = DecisionTemplate.objects.create(
        organisation=metropole, status=S.SELECTED, subject="Bravo", body="Corps métropole"
    )
    other = DecisionTemplate.objects.create(
        organisation=cci, status=S.SELECTED, subject="Félicitations CCI", body="Corps CCI"
    )
    log_in_as(client, evaluator)
    index = client.get(reverse("decision_templates:index")).content.decode()
    assert "Bravo" in index and "Félicitations CCI" not in index
    assert client.get(reverse("decision_templates:edit", args=[own.pk])).status_code == 200
    for name in ("edit", "delete", "history", "usage"):
        response = client.get(reverse(f"decision_templates:{name}", args=[other.pk]))
        assert response.status_code == 404, name
    response = client.post(
        reverse("decision_templates:edit", args=[other.pk]),
        {"organisation": cci.pk, "status": "selected", "subject": "pirate", "body": "pirate"},
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.subject == "Félicitations CCI"


def test_a_template_can_only_be_created_for_ones_own_organisation(
    client, metropole, cci, evaluator
):
    log_in_as(client, evaluator)
    add = reverse("decision_templates:add")
    content = client.get(add).content.decode()
    assert metropole.name in content and cci.name not in content
    response = client.post(
        add, {"organisation": cci.pk, "status": "selected", "subject": "x", "body": "y"}
    )
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    response = client.post(
        add,
        {"organisation": metropole.pk, "status": "selected", "subject": "{titre}", "body": "y"},
    )
    assert "« {titre} » n&#x27;est pas un texte à insérer connu." in response.content.decode()
    assert not DecisionTemplate.objects.exists()
    response = client.post(
        add,
        {
            "organisation": metropole.pk,
            "status": "selected",
            "subject": "Retenue : {appel}",
            "body": "{motif}",
        },
    )
    assert response.status_code == 302
    assert DecisionTemplate.objects.get().organisation == metropole


def test_the_defaults_preview(client, evaluator, metropole):
    log_in_as(client, evaluator)
    content = client.get(reverse("decision_templates:defaults")).content.decode()
    for label in ("Recevable", "Non recevable", "Présélectionnée", "Retenue", "Non retenue"):
        assert f">{label}</h2>" in content
    assert "Votre candidature est retenue — Titre de l&#x27;appel" in content
    log_in_as(client, editor_of(metropole))
    assert client.get(reverse("decision_templates:defaults")).status_code == 404


def test_editors_and_superusers(client, metropole, cci):
    DecisionTemplate.objects.create(
        organisation=cci, status=S.REJECTED, subject="Sujet CCI", body="b"
    )
    log_in_as(client, editor_of(metropole))
    response = client.get(reverse("decision_templates:index"))
    assert response.status_code == 302  # Wagtail's "permission denied" sends home
    log_in_as(client, UserFactory(username="root", is_staff=True, is_superuser=True))
    assert "Sujet CCI" in client.get(reverse("decision_templates:index")).content.decode()
