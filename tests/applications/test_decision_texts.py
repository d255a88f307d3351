"""Organisations' decision messages: placeholders only, refused templates, the migration.

A decision message used to be a Django template over live objects: an evaluator
could print password hashes or unpublish calls by rendering one. These tests hold the
two attacks (refused when saved, and harmless when forced into the database), the
French list of placeholders, a decision that stands when its message fails, and the
conversion of the old templates.
"""

from __future__ import annotations

import importlib
import logging

import pytest
from django.apps import apps
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

from applications.decisions import application_decide, decision_values
from applications.models import ApplicationStatus, DecisionTemplate, StatusChange
from calls.models import CallPage
from tests.applications.reviewing import member_of, submitted_application
from tests.factories import create_call, evaluator_of, log_in_as

S = ApplicationStatus
migration = importlib.import_module("applications.migrations.0002_decision_placeholders")

PASSWORD_HASH = "{{ company.memberships.all.0.user.password }}"
UNPUBLISH_LOOP = "{% for c in call.sectors.all.0.calls.all %}{{ c.unpublish }}{% endfor %}"
INCLUDE = '{% include "applications/email/decision.txt" %}'
PLACEHOLDER_LIST = (
    "Textes à insérer : {entreprise} : raison sociale du candidat ; {appel} : titre de "
    "l'appel ; {identifiant_appel} : identifiant de l'appel ; {reference} : référence de la "
    "candidature ; {decision} : décision (par exemple « Retenue ») ; {motif} : motif indiqué "
    "avec la décision ; {lien} : adresse où le candidat retrouve sa candidature ; "
    "{organisation} : nom de l'organisation qui publie l'appel."
)


@pytest.fixture
def calls(metropole):
    """Several live calls sharing a sector, as the unpublish loop needs."""
    return [create_call(metropole, title=f"Appel {n}", sectors=["sante"]) for n in range(4)]


@pytest.fixture
def evaluator(metropole):
    return evaluator_of(metropole)


@pytest.fixture
def application(calls):
    application = submitted_application(calls[0])
    member_of(application.company, "dirigeante@ocean.example")
    return application


def force_template(organisation, status: str, subject: str, body: str) -> DecisionTemplate:
    """Save a template without validation, as a hand edit of the database would."""
    [template] = DecisionTemplate.objects.bulk_create(
        [DecisionTemplate(organisation=organisation, status=status, subject=subject, body=body)]
    )
    return template


def decide(client, evaluator, application, captured) -> object:
    log_in_as(client, evaluator)
    with captured(execute=True):
        return client.post(
            reverse("applications_admin:decide", args=[application.public_id]),
            {"decision": "admissible", "reason": "Dossier complet", "notify": "on"},
        )


# --- Refused when saved -----------------------------------------------------------------


@pytest.mark.parametrize("text", [PASSWORD_HASH, UNPUBLISH_LOOP, INCLUDE, "{company.siret}"])
def test_the_admin_form_refuses_templates_with_the_french_list(client, metropole, evaluator, text):
    log_in_as(client, evaluator)
    response = client.post(
        reverse("decision_templates:add"),
        {"organisation": metropole.pk, "status": "admissible", "subject": "Objet", "body": text},
    )
    assert response.status_code == 200
    content = response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')
    assert PLACEHOLDER_LIST in content
    assert not DecisionTemplate.objects.exists()


def test_the_model_refuses_them_too(metropole):
    template = DecisionTemplate(
        organisation=metropole, status=S.ADMISSIBLE, subject=UNPUBLISH_LOOP, body=PASSWORD_HASH
    )
    with pytest.raises(ValidationError) as caught:
        template.full_clean()
    assert set(caught.value.message_dict) == {"subject", "body"}
    assert PLACEHOLDER_LIST in caught.value.message_dict["body"][0]


def test_the_form_shows_the_placeholders(client, evaluator):
    log_in_as(client, evaluator)
    content = client.get(reverse("decision_templates:add")).content.decode()
    assert PLACEHOLDER_LIST.replace("'", "&#x27;") in content


def test_an_edit_with_an_unknown_placeholder_keeps_the_saved_text(client, metropole, evaluator):
    template = DecisionTemplate.objects.create(
        organisation=metropole, status=S.SELECTED, subject="Bravo {entreprise}", body="{motif}"
    )
    log_in_as(client, evaluator)
    response = client.post(
        reverse("decision_templates:edit", args=[template.pk]),
        {"organisation": metropole.pk, "status": "selected", "subject": "{nom}", "body": "x"},
    )
    assert "« {nom} » n&#x27;est pas un texte à insérer connu." in response.content.decode()
    template.refresh_from_db()
    assert template.subject == "Bravo {entreprise}"


# --- Harmless when forced into the database ---------------------------------------------


def test_a_forced_malicious_template_reads_nothing_and_changes_nothing(
    client, metropole, evaluator, calls, application, django_capture_on_commit_callbacks
):
    force_template(metropole, S.ADMISSIBLE, PASSWORD_HASH, f"{UNPUBLISH_LOOP}\n{PASSWORD_HASH}")
    password_hash = application.company.memberships.get().user.password
    response = decide(client, evaluator, application, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert all(CallPage.objects.get(pk=c.pk).live for c in calls)
    [message] = mail.outbox
    assert password_hash not in message.subject + message.body
    application.refresh_from_db()
    assert application.status == S.ADMISSIBLE


def test_a_forced_include_gets_the_default_message_not_a_500(
    client, metropole, evaluator, application, django_capture_on_commit_callbacks
):
    force_template(metropole, S.ADMISSIBLE, "Objet", INCLUDE)
    response = decide(client, evaluator, application, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    [message] = mail.outbox
    assert f"Votre candidature {application.reference} à l'appel « Appel 0 »" in message.body
    assert StatusChange.objects.get(to_status=S.ADMISSIBLE).notified_at is not None


class BrokenBackend(BaseEmailBackend):
    """A mail server that fails in a way nobody foresaw."""

    def send_messages(self, messages):
        raise RuntimeError("panne imprévue")


@pytest.mark.django_db(transaction=True)
def test_a_message_failing_after_commit_leaves_the_decision_and_a_success_page(
    client, settings, evaluator, application, caplog
):
    """A real commit (ATOMIC_REQUESTS): the message leaves after the decision is saved."""
    settings.EMAIL_BACKEND = f"{__name__}.BrokenBackend"
    log_in_as(client, evaluator)
    with caplog.at_level(logging.ERROR):
        response = client.post(
            reverse("applications_admin:decide", args=[application.public_id]),
            {"decision": "admissible", "reason": "Dossier complet", "notify": "on"},
            follow=True,
        )
    assert response.status_code == 200
    assert "est désormais « Recevable »" in response.content.decode()
    application.refresh_from_db()
    assert application.status == S.ADMISSIBLE
    assert StatusChange.objects.get(to_status=S.ADMISSIBLE).notified_at is None
    assert "panne imprévue" in caplog.text


def test_the_values_are_plain_strings(application):
    values = decision_values(application, S.SELECTED, "Motif")
    assert {type(v) for v in values.values()} == {str}
    assert values["decision"] == "Retenue"


def test_a_normal_message_carries_every_value(
    metropole, evaluator, application, django_capture_on_commit_callbacks
):
    DecisionTemplate.objects.create(
        organisation=metropole,
        status=S.ADMISSIBLE,
        subject="{reference} — {appel}",
        body="{entreprise} | {appel} | {reference} | {motif} | {lien}",
    )
    with django_capture_on_commit_callbacks(execute=True):
        application_decide(
            application, decision=S.ADMISSIBLE, user=evaluator, reason="Complet", notify=True
        )
    [message] = mail.outbox
    link = f"http://testserver/espace/candidatures/{application.public_id}/"
    assert message.subject == f"{application.reference} — Appel 0"
    assert message.body == (
        f"{application.company.legal_name} | Appel 0 | {application.reference} | Complet | {link}"
    )


# --- The migration of the old templates --------------------------------------------------


@pytest.mark.parametrize(
    ("legacy", "converted"),
    [
        (
            "{{ company }} : dossier {{application.reference}} « {{  call.title  }} »",
            "{entreprise} : dossier {reference} « {appel} »",
        ),
        ("{{ reason }}\n{{ url }}", "{motif}\n{lien}"),
        (
            "{{ call.issuer.name }} {{ call.call_id }} {{ status_label }} {{ company|upper }}",
            "{organisation} {identifiant_appel} {decision} {entreprise}",
        ),
        ("{% if reason %}Motif : {{ reason }}{% endif %}", "Motif : {motif}"),
        ('Tarif {HT} {"a": 1} }', 'Tarif {{HT}} {{"a": 1}} }}'),
        (f"a{PASSWORD_HASH}b", "ab"),
        (f"{UNPUBLISH_LOOP}fin", "fin"),
        (f"{INCLUDE}a{{# note #}}b{{% comment %}}interne{{% endcomment %}}c", "abc"),
        ("{% autoescape off %}Bonjour{% endautoescape %}", "Bonjour"),
        ("{a.b} et {x}", "a.b et x"),  # literal text that would read as an old variable
        ("", ""),
    ],
)
def test_the_migration_converts_old_templates(legacy, converted):
    result = migration.convert(legacy)
    assert result == converted
    DecisionTemplate(subject="x", body=result).clean()  # passes today's validation


def test_a_converted_subject_fits_its_column():
    legacy = "x" * 195 + "{{ call.call_id }}"
    assert migration.convert(legacy, 200) == "x" * 195


def test_the_migration_rewrites_saved_rows(metropole):
    legacy = force_template(
        metropole, S.REJECTED, "{{ company }}", f"{{{{ reason }}}} {PASSWORD_HASH}"
    )
    unchanged = force_template(metropole, S.SELECTED, "Bravo", "Bravo")
    migration.convert_templates(apps, schema_editor=None)
    legacy.refresh_from_db()
    assert (legacy.subject, legacy.body) == ("{entreprise}", "{motif} ")
    legacy.full_clean()
    unchanged.refresh_from_db()
    assert (unchanged.subject, unchanged.body) == ("Bravo", "Bravo")


def test_a_second_message_for_the_same_decision_is_refused_in_french(metropole):
    DecisionTemplate.objects.create(
        organisation=metropole, status=S.ADMISSIBLE, subject="Objet", body="Bonjour {entreprise}"
    )
    duplicate = DecisionTemplate(
        organisation=metropole, status=S.ADMISSIBLE, subject="Autre", body="Bonjour"
    )
    with pytest.raises(ValidationError) as refused:
        duplicate.validate_constraints()
    assert "a déjà un message pour cette décision" in str(refused.value)
