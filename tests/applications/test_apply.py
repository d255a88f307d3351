"""Applying through /appels/<slug>/candidater/: draft, submit, errors, questions, read-only view."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from applications.models import Application, ApplicationStatus
from tests.applications.applying import (
    add_questions,
    apply_url,
    complete_fields,
    pdf,
    post_apply,
    private_media,  # noqa: F401  (fixture)
)
from tests.factories import UserFactory, applicant, create_call

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()


@pytest.fixture
def call(metropole):
    return create_call(metropole, title="Qualité de l'air sur les quais")


@pytest.fixture
def user(client):
    user = applicant(email="lea@mistral.test")
    client.force_login(user)
    return user


def test_visitors_are_sent_to_the_login_page(client, call):
    response = client.get(apply_url(call))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_user_without_company_is_sent_to_the_company_profile(client, call):
    client.force_login(applicant(company=False))
    response = client.get(apply_url(call), follow=True)
    assert response.redirect_chain[0][0] == reverse("companies:profile")
    assert "les candidatures sont déposées en son nom" in response.content.decode()


def test_an_unpublished_call_is_not_found(client, user, metropole):
    draft_call = create_call(metropole, publish=False)
    assert client.get(apply_url(draft_call)).status_code == 404


def test_the_form_shows_standard_fields_and_required_markers(client, user, call):
    content = client.get(apply_url(call)).content.decode()
    for label in ("Nom de la solution", "Maturité (TRL)", "Équipe", "Budget estimé (€ HT)"):
        assert label in content
    assert content.count("(obligatoire)") == 5
    assert "Enregistrer le brouillon" in content and "Déposer ma candidature" in content
    assert not Application.objects.exists(), "a GET creates nothing"


def test_save_a_draft_then_come_back_then_submit(
    client, user, call, django_capture_on_commit_callbacks
):
    response = post_apply(client, call, {"solution_name": "Capteurs Mistral"})
    assert response.status_code == 302
    application = Application.objects.get()
    assert (application.status, application.solution_name) == ("draft", "Capteurs Mistral")
    assert application.created_by == user

    again = client.get(apply_url(call)).content.decode()
    assert 'value="Capteurs Mistral"' in again
    assert "Votre brouillon est enregistré." in again

    with django_capture_on_commit_callbacks(execute=True):
        response = post_apply(client, call, complete_fields(), submit=True)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RECEIVED
    assert response["Location"] == reverse("applications:detail", args=[application.public_id])
    assert [m.to for m in mail.outbox] == [["lea@mistral.test"]]
    assert application.reference in mail.outbox[0].subject
    assert application.reference in mail.outbox[0].body

    detail = client.get(response["Location"]).content.decode()
    assert application.reference in detail
    assert "Reçue" in detail and "Six mois sur deux quais" in detail
    assert "Retirer ma candidature" in detail
    assert "<textarea" not in detail, "read-only"
    # Coming back to the form shows the submitted application instead.
    assert client.get(apply_url(call))["Location"] == response["Location"]


def test_submit_with_missing_fields_shows_errors_next_to_them_and_keeps_input(client, user, call):
    data = complete_fields(team="", maturity="", description="Ma description à garder")
    response = post_apply(client, call, data, submit=True)

    assert response.status_code == 200
    content = response.content.decode()
    assert "Certains champs sont à corriger" not in content  # refusal says more
    assert "La candidature est incomplète" in content
    assert (
        'id="id_team_error"' in content
        and 'aria-describedby="id_team_helptext id_team_error"' in content
    )
    assert 'aria-invalid="true"' in content
    assert "Ma description à garder" in content
    assert "Ce champ est obligatoire pour déposer la candidature." in content
    application = Application.objects.get()
    assert application.status == ApplicationStatus.DRAFT
    assert application.description == "Ma description à garder", "the valid part is saved"


def test_invalid_values_are_refused_but_the_rest_is_saved(client, user, call):
    response = post_apply(
        client, call, {"solution_name": "Mistral", "budget_estimate": "beaucoup"}, submit=False
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Saisissez un nombre." in content
    assert 'value="beaucoup"' in content
    application = Application.objects.get()
    assert (application.solution_name, application.budget_estimate) == ("Mistral", None)


def test_each_question_kind_is_rendered_and_stored(client, user, call):
    questions = add_questions(
        call,
        {"label": "Modèle économique", "kind": "long_text", "required": True},
        {"label": "Site de démonstration", "kind": "text", "required": False},
        {"label": "Taille du déploiement", "kind": "choice", "choices": "Petit\nMoyen\nGrand"},
        {
            "label": "Région",
            "kind": "choice",
            "choices": "Marseille\nAix\nToulon\nNice\nAvignon\nArles",
            "required": False,
        },
        {"label": "Déjà testé en France ?", "kind": "yes_no"},
        {"label": "Nombre de salariés", "kind": "number"},
        {"label": "Attestation d'assurance", "kind": "file", "required": False},
    )
    long_text, text, size, region, tested, staff, insurance = questions
    content = client.get(apply_url(call)).content.decode()
    assert f'<textarea name="{long_text.field_name}"' in content
    assert f'<input type="text" name="{text.field_name}"' in content
    assert f'<input type="radio" name="{size.field_name}" value="Moyen"' in content
    assert f'<select name="{region.field_name}"' in content
    assert f'<input type="radio" name="{tested.field_name}" value="yes"' in content
    assert f'<input type="file" name="{insurance.field_name}"' in content
    assert "<legend>Taille du déploiement" in content, "radio groups are fieldsets"
    assert content.count("(obligatoire)") == 5 + 4

    data = complete_fields(
        **{
            long_text.field_name: "Abonnement",
            size.field_name: "Moyen",
            region.field_name: "Toulon",
            tested.field_name: "yes",
            staff.field_name: "12,5",
            insurance.field_name: pdf("assurance.pdf"),
        }
    )
    response = post_apply(client, call, data, submit=True)
    assert response.status_code == 302, response.content.decode()
    application = Application.objects.get()
    assert application.answers == {
        long_text.field_name: "Abonnement",
        text.field_name: "",
        size.field_name: "Moyen",
        region.field_name: "Toulon",
        tested.field_name: "yes",
        staff.field_name: "12.5",
    }
    assert application.attachments.get().question == insurance
    detail = client.get(response["Location"]).content.decode()
    assert "Oui" in detail and "assurance.pdf" in detail and "Toulon" in detail


def test_a_choice_outside_the_list_is_refused(client, user, call):
    (size,) = add_questions(call, {"label": "Taille", "kind": "choice", "choices": "Petit\nGrand"})
    response = post_apply(client, call, {size.field_name: "Énorme"})
    assert "Sélectionnez un choix valide" in response.content.decode()


def test_a_required_file_question_blocks_until_a_file_is_joined(client, user, call):
    (kbis,) = add_questions(call, {"label": "Extrait Kbis", "kind": "file", "required": True})
    response = post_apply(client, call, complete_fields(), submit=True)
    assert "Joignez ce fichier pour déposer la candidature." in response.content.decode()
    assert Application.objects.get().status == ApplicationStatus.DRAFT

    data = complete_fields(**{kbis.field_name: pdf("kbis.pdf")})
    response = post_apply(client, call, data, submit=True)
    assert response.status_code == 302
    assert Application.objects.get().status == ApplicationStatus.RECEIVED


def test_a_colleague_reopens_the_same_draft(client, user, call):
    post_apply(client, call, {"solution_name": "Mistral"})
    colleague = applicant(user.membership.company, role="member")
    client.force_login(colleague)
    assert 'value="Mistral"' in client.get(apply_url(call)).content.decode()
    post_apply(client, call, {"solution_name": "Mistral", "team": "Malik et Léa"})
    application = Application.objects.get()
    assert (application.solution_name, application.team) == ("Mistral", "Malik et Léa")


def test_a_staff_user_without_applicant_account_is_refused(client, call):
    client.force_login(UserFactory(username="agent", is_staff=True))
    assert client.get(apply_url(call)).status_code == 403


def test_withdraw_asks_for_confirmation_then_withdraws(client, user, call):
    post_apply(client, call, complete_fields(), submit=True)
    application = Application.objects.get()
    url = reverse("applications:withdraw", args=[application.public_id])

    confirm = client.get(url).content.decode()
    assert "Confirmer le retrait" in confirm
    assert Application.objects.get().status == ApplicationStatus.RECEIVED

    response = client.post(url, {"reason": "Nous ne sommes pas prêts"}, follow=True)
    assert "Votre candidature est retirée." in response.content.decode()
    assert Application.objects.get().status == ApplicationStatus.WITHDRAWN
    assert "Reprendre ma candidature en brouillon" in response.content.decode()

    response = client.post(reverse("applications:reopen", args=[application.public_id]))
    assert response["Location"] == apply_url(call)
    assert Application.objects.get().status == ApplicationStatus.DRAFT


def test_another_company_cannot_see_or_withdraw(client, user, call):
    post_apply(client, call, complete_fields(), submit=True)
    application = Application.objects.get()
    client.force_login(applicant())
    for name in ("detail", "withdraw"):
        url = reverse(f"applications:{name}", args=[application.public_id])
        assert client.get(url).status_code == 404
    assert (
        client.post(reverse("applications:withdraw", args=[application.public_id])).status_code
        == 404
    )
    assert (
        client.post(reverse("applications:reopen", args=[application.public_id])).status_code == 404
    )
    assert Application.objects.get().status == ApplicationStatus.RECEIVED


def test_too_many_posts_answer_429(client, user, call, settings):
    settings.APPLY_LIMIT_PER_HOUR = 3
    for _ in range(3):
        assert post_apply(client, call, {"solution_name": "Mistral"}).status_code == 302
    response = post_apply(client, call, {"solution_name": "Trop"})
    assert response.status_code == 429
    assert "Trop d'envois du formulaire" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert Application.objects.get().solution_name == "Mistral"
    assert client.get(apply_url(call)).status_code == 200, "reading is not limited"
    other = applicant()
    client.force_login(other)
    assert post_apply(client, call, {"solution_name": "Autre"}).status_code == 302, "per user"


def test_a_bad_attachment_id_to_remove_is_ignored(client, user, call):
    response = client.post(
        apply_url(call), {"intent": "draft", "remove_attachment": "pas-un-identifiant"}
    )
    assert response.status_code == 302
