"""GDPR: the JSON export holds the user's data; deletion takes the company with its last member."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

from accounts.models import Account
from applications.models import Application, Attachment, Follow
from applications.storage import private_storage
from companies.models import Company, Membership
from qanda.models import Question
from tests.accounts.conftest import log_in, page_text
from tests.factories import CompanyFactory, applicant, create_call, enrol_totp

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "mot-de-passe-de-test"


@pytest.fixture
def call(metropole):
    return create_call(metropole, title="Capteurs pour le Vieux-Port")


@pytest.fixture
def stored_files():
    names: list[str] = []
    yield names
    for name in names:
        private_storage.delete(name)


def application_with_file(call, company, user, stored_files) -> Application:
    application = Application.objects.create(
        call=call,
        company=company,
        created_by=user,
        solution_name="AirPort",
        description="Des capteurs de qualité de l'air.",
        answers={"question_1": "Oui, à Fos-sur-Mer."},
    )
    content = b"%PDF-1.4 offre"
    attachment = Attachment.objects.create(
        application=application,
        file=ContentFile(content, name="offre.pdf"),
        original_name="Offre technique.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256="0" * 64,
        uploaded_by=user,
    )
    stored_files.append(attachment.file.name)
    return application


def test_the_export_holds_the_users_data_and_no_secret(client, call, stored_files):
    company = CompanyFactory(legal_name="Capteurs du Vieux-Port")
    user = applicant(company=company, email="lea@example.test")
    enrol_totp(user, "JBSWY3DPEHPK3PXP")
    application_with_file(call, company, user, stored_files)
    Question.objects.create(call=call, asked_by=user, question="Le budget est-il fixé ?")
    Follow.objects.create(user=user, call=call)
    other = applicant(email="autre@example.test")
    Question.objects.create(call=call, asked_by=other, question="Question d'un autre")

    client.force_login(user)
    response = client.get("/compte/mes-donnees/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="mes-donnees-')
    body = response.content.decode()
    data = json.loads(body)

    assert data["account"]["email"] == "lea@example.test"
    assert data["account"]["consent_version"] == "test"
    assert data["account"]["email_addresses"] == [
        {"email": "lea@example.test", "verified": True, "primary": True}
    ]
    assert data["account"]["second_factor_enabled"] is True
    assert data["membership"]["role"] == "owner"
    assert data["company"]["legal_name"] == "Capteurs du Vieux-Port"
    assert data["company"]["members"] == ["lea@example.test"]
    [exported] = data["applications"]
    assert exported["call"] == "Capteurs pour le Vieux-Port"
    assert exported["answers"] == {"question_1": "Oui, à Fos-sur-Mer."}
    assert [a["name"] for a in exported["attachments"]] == ["Offre technique.pdf"]
    assert [q["question"] for q in data["questions"]] == ["Le budget est-il fixé ?"]
    assert [f["call"] for f in data["followed_calls"]] == ["Capteurs pour le Vieux-Port"]
    assert "JBSWY3DPEHPK3PXP" not in body
    assert "autre@example.test" not in body


def test_the_export_of_a_user_with_nothing_yet(client):
    client.force_login(applicant(company=False))
    data = client.get("/compte/mes-donnees/").json()
    assert data["company"] is None
    assert data["membership"] is None
    assert data["applications"] == data["questions"] == data["followed_calls"] == []


def test_the_export_needs_a_login(client):
    response = client.get("/compte/mes-donnees/")
    assert response.status_code == 302
    assert response["Location"].startswith("/compte/connexion/")


def test_deleting_the_last_member_deletes_the_company_its_applications_and_files(
    client, call, stored_files, django_capture_on_commit_callbacks
):
    company = CompanyFactory(legal_name="Capteurs du Vieux-Port")
    user = applicant(company=company)
    application = application_with_file(call, company, user, stored_files)
    [file_name] = stored_files
    assert private_storage.exists(file_name)
    client.force_login(user)  # a session with no recent authentication

    response = client.get("/compte/supprimer/")
    assert response.status_code == 302
    assert response["Location"].startswith("/compte/reauthentification/?next=")
    wrong = client.post(response["Location"], {"password": "pas le bon"})
    assert wrong.status_code == 200
    assert User.objects.filter(pk=user.pk).exists()
    right = client.post(response["Location"], {"password": PASSWORD})
    assert right.status_code == 302
    assert right["Location"] == "/compte/supprimer/"

    page = page_text(client.get("/compte/supprimer/"))
    assert "Votre entreprise sera aussi supprimée" in page
    assert "dernier membre de Capteurs du Vieux-Port" in page
    unconfirmed = client.post("/compte/supprimer/", {})
    assert "Cochez la case pour confirmer" in page_text(unconfirmed)
    assert User.objects.filter(pk=user.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/compte/supprimer/", {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Account.objects.filter(user_id=user.pk).exists()
    assert not Company.objects.filter(pk=company.pk).exists()
    assert not Application.objects.filter(pk=application.pk).exists()
    assert not Attachment.objects.exists()
    assert not private_storage.exists(file_name)


def test_deleting_one_member_keeps_the_company_for_the_others(
    client, call, stored_files, django_capture_on_commit_callbacks
):
    company = CompanyFactory(legal_name="Capteurs du Vieux-Port")
    user = applicant(company=company)
    colleague = applicant(company=company, role="member")
    application = application_with_file(call, company, user, stored_files)
    Question.objects.create(call=call, asked_by=user, question="Le budget est-il fixé ?")
    log_in(client, user.email, PASSWORD)
    client.post("/compte/reauthentification/", {"password": PASSWORD})

    page = page_text(client.get("/compte/supprimer/"))
    assert "Votre entreprise sera aussi supprimée" not in page
    assert "restent accessibles à ses autres membres" in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/compte/supprimer/", {"confirm": "on"})
    assert not User.objects.filter(pk=user.pk).exists()
    assert Membership.objects.get(company=company).user == colleague
    application.refresh_from_db()
    assert application.created_by is None
    assert application.attachments.count() == 1
    assert private_storage.exists(stored_files[0])
    question = Question.objects.get()
    assert question.asked_by is None, "the question stays on the call, anonymous"
