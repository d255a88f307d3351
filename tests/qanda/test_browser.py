"""The Q&A section of a call page in a real browser, with axe-core: a logged-in applicant asks."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from qanda.models import Question
from tests.conftest import assert_accessible
from tests.factories import log_in_as, reviewer_of
from tests.qanda.conftest import answered

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user) -> None:
    """Hand the browser a session of ``user`` (the login pages belong to the accounts app)."""
    client = Client()
    log_in_as(client, user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def test_an_applicant_asks_a_question_from_the_call_page(
    page, live_server, inline_event_processing, call, candidate
):
    answered(call, None, text="Le prototype est-il obligatoire ?", answer="Non.")
    log_in(page, live_server, candidate)
    page.goto(live_server.url + call.url)

    section = page.get_by_role("region", name="Questions des candidats")
    assert section.get_by_role("heading", name="Le prototype est-il obligatoire ?").is_visible()
    assert_accessible(page)

    field = section.get_by_label("Votre question")
    field.fill("")
    section.get_by_role("button", name="Envoyer ma question").click()
    page.wait_for_url("**/questions/")
    error = page.get_by_text("Écrivez votre question avant de l'envoyer.")
    assert error.is_visible()
    assert page.get_by_label("Votre question").get_attribute("aria-invalid") == "true"
    assert_accessible(page)

    page.get_by_label("Votre question").fill("Peut-on candidater en consortium ?")
    page.get_by_role("button", name="Envoyer ma question").click()
    page.wait_for_url(f"**{call.url}#questions-candidats")

    assert page.get_by_text("Votre question a été transmise").is_visible()
    assert Question.objects.filter(
        asked_by=candidate, question="Peut-on candidater en consortium ?"
    ).exists()
    assert_accessible(page)


def test_a_visitor_is_offered_to_log_in(page, live_server, inline_event_processing, call):
    page.goto(live_server.url + call.url)

    link = page.get_by_role("link", name="Connectez-vous pour poser une question")
    assert link.get_attribute("href") == f"/compte/connexion/?next=%2Fappels%2F{call.slug}%2F"
    assert page.get_by_label("Votre question").count() == 0
    assert_accessible(page)


def test_the_admin_answer_pages_are_accessible(page, live_server, call, candidate, metropole):
    question = Question.objects.create(call=call, asked_by=candidate, question="Quel budget ?")
    log_in(page, live_server, reviewer_of(metropole))

    page.goto(live_server.url + "/admin/questions-candidats/")
    assert page.get_by_role("cell", name="Quel budget ?").is_visible()
    assert_accessible(page)

    page.get_by_role("link", name=f"Répondre à la question n° {question.pk}").click()
    page.get_by_label("Réponse", exact=True).fill("Jusqu'à 40 000 € HT.")
    page.get_by_label("Publier la réponse sur la page de l'appel").check()
    assert_accessible(page)
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/admin/questions-candidats/")

    assert page.get_by_text("La réponse est publiée sur la page de l'appel").is_visible()
    question.refresh_from_db()
    assert question.is_published and question.answer == "Jusqu'à 40 000 € HT."
