"""The public side of the Q&A: the call page lists published answers; applicants ask."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from calls.models import CallPage
from qanda.models import Question
from tests.factories import applicant, create_call, editor_of
from tests.qanda.conftest import answered

pytestmark = pytest.mark.django_db

FORM_FIELD = 'name="question"'


def ask(client, call, text: str):
    return client.post(reverse("qanda:ask", args=[call.slug]), {"question": text})


def call_page(client, call) -> str:
    response = client.get(call.url)
    assert response.status_code == 200
    return unescape(response.content.decode())


# --- What the call page shows ------------------------------------------------------------


def test_published_answers_are_shown_without_the_askers_identity(client, call, candidate):
    answered(
        call,
        candidate,
        text="Les navettes hybrides sont-elles éligibles ?",
        answer="Oui, si la part électrique dépasse 50 %.",
    )
    answered(
        call,
        candidate,
        text="Question en attente de publication",
        answer="Brouillon",
        published=False,
    )
    Question.objects.create(call=call, asked_by=candidate, question="Question sans réponse")

    content = call_page(client, call)

    assert "Questions des candidats" in content
    assert "Les navettes hybrides sont-elles éligibles ?" in content
    assert "Oui, si la part électrique dépasse 50 %." in content
    assert "Répondu le" in content
    assert "Question en attente de publication" not in content
    assert "Question sans réponse" not in content
    assert "lea.martin" not in content


def test_a_visitor_is_invited_to_log_in_and_has_no_form(client, call):
    content = call_page(client, call)

    assert "Connectez-vous pour poser une question" in content
    assert f"/compte/connexion/?next=%2Fappels%2F{call.slug}%2F" in content
    assert FORM_FIELD not in content


def test_a_verified_applicant_sees_the_form(client, call, candidate):
    client.force_login(candidate)
    content = call_page(client, call)

    assert FORM_FIELD in content
    assert f'action="/appels/{call.slug}/questions/"' in content
    assert "csrfmiddlewaretoken" in content
    assert "Connectez-vous" not in content


@pytest.mark.parametrize("who", ["unverified", "staff"])
def test_others_logged_in_cannot_ask(client, call, metropole, who):
    user = applicant(verified=False) if who == "unverified" else editor_of(metropole)
    client.force_login(user)

    assert FORM_FIELD not in call_page(client, call)
    response = ask(client, call, "Puis-je candidater ?")

    assert response.status_code == 403
    assert "adresse e-mail est vérifiée" in unescape(response.content.decode())
    assert not Question.objects.exists()


def test_a_closed_call_shows_its_answers_but_no_form(client, metropole, candidate):
    closed = create_call(
        metropole,
        opens_at=timezone.now() - timedelta(days=60),
        closes_at=timezone.now() - timedelta(days=1),
    )
    client.force_login(candidate)
    assert "Questions des candidats" not in call_page(client, closed)

    answered(closed, candidate, text="Et après la clôture ?", answer="Les réponses restent.")
    content = call_page(client, closed)
    assert "Questions des candidats" in content and "Les réponses restent." in content
    assert FORM_FIELD not in content


# --- Asking -------------------------------------------------------------------------------


def test_an_applicant_asks_and_gets_a_message_but_nothing_public(client, call, candidate):
    client.force_login(candidate)

    response = ask(client, call, "  Le dossier peut-il être déposé en anglais ?  ")

    assert response.status_code == 302
    assert response["Location"] == f"/appels/{call.slug}/#questions-candidats"
    question = Question.objects.get()
    assert question.call == call and question.asked_by == candidate
    assert question.question == "Le dossier peut-il être déposé en anglais ?"
    assert not question.is_published and question.answer == ""
    content = call_page(client, call)
    assert "Votre question a été transmise" in content
    assert "déposé en anglais" not in content


def test_a_visitor_who_posts_is_sent_to_log_in(client, call):
    response = ask(client, call, "Une question")

    assert response.status_code == 302
    assert response["Location"].startswith("/compte/connexion/?next=")
    assert not Question.objects.exists()


@pytest.mark.parametrize("how", ["deadline", "early", "withdrawn"])
def test_asking_on_a_call_that_is_not_open_is_refused(client, metropole, candidate, how):
    now = timezone.now()
    if how == "deadline":
        call = create_call(
            metropole, opens_at=now - timedelta(days=30), closes_at=now - timedelta(seconds=1)
        )
    else:
        call = create_call(metropole)
        field = "closed_early_at" if how == "early" else "withdrawn_at"
        CallPage.objects.filter(pk=call.pk).update(**{field: now})
    client.force_login(candidate)

    response = ask(client, call, "Est-il encore temps ?")

    assert response.status_code == 403
    assert "Cet appel n'est pas ouvert" in unescape(response.content.decode())
    assert not Question.objects.exists()


def test_an_unknown_or_unpublished_call_is_not_found(client, metropole, candidate):
    draft = create_call(metropole, publish=False)
    client.force_login(candidate)
    assert client.get("/appels/inconnu/questions/").status_code == 404
    assert ask(client, draft, "Une question").status_code == 404


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "Écrivez votre question avant de l'envoyer."),
        ("   ", "Écrivez votre question avant de l'envoyer."),
        ("é" * 2001, "Votre question ne doit pas dépasser 2000 caractères (elle en compte 2001)."),
    ],
)
def test_a_bad_question_is_shown_again_with_a_french_error(client, call, candidate, text, error):
    client.force_login(candidate)

    response = ask(client, call, text)

    assert response.status_code == 200
    content = unescape(response.content.decode())
    assert error in content
    assert 'aria-invalid="true"' in content
    assert 'aria-describedby="id_question-hint id_question-errors"' in content
    if text.strip():
        assert f">{text}</textarea>" in content
    assert not Question.objects.exists()


def test_a_question_of_exactly_2000_characters_is_accepted(client, call, candidate):
    client.force_login(candidate)
    assert ask(client, call, "a" * 2000).status_code == 302
    assert len(Question.objects.get().question) == 2000


def test_questions_are_rate_limited_per_applicant(client, call, candidate, settings):
    settings.QUESTION_LIMIT_PER_HOUR = 2
    client.force_login(candidate)
    assert ask(client, call, "Première question").status_code == 302
    assert ask(client, call, "Deuxième question").status_code == 302

    response = ask(client, call, "Troisième question")

    assert response.status_code == 429
    assert "Trop de questions" in unescape(response.content.decode())
    assert int(response["Retry-After"]) > 0
    assert Question.objects.count() == 2

    other = Client()
    other.force_login(applicant())
    assert ask(other, call, "Une autre candidate").status_code == 302

    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert ask(client, call, "Une heure plus tard").status_code == 302


def test_asking_without_the_csrf_token_is_refused(call, candidate):
    client = Client(enforce_csrf_checks=True)
    client.force_login(candidate)

    response = ask(client, call, "Sans jeton")

    assert response.status_code == 403
    assert not Question.objects.exists()


def test_the_ask_page_shows_the_form_to_an_applicant(client, call, candidate):
    client.force_login(candidate)
    response = client.get(reverse("qanda:ask", args=[call.slug]))
    assert response.status_code == 200
    assert FORM_FIELD in unescape(response.content.decode())
