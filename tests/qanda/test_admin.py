"""The organisation side of the Q&A in the Wagtail admin, and the e-mails of a publication.

Publications notify after the commit: ``django_capture_on_commit_callbacks`` runs
those hooks, and the mails land in Django's locmem outbox.
"""

from __future__ import annotations

from html import unescape

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account
from applications.models import Follow
from qanda.models import Question
from tests.factories import (
    UserFactory,
    applicant,
    create_call,
    editor_of,
    evaluator_of,
    log_in_as,
    reviewer_of,
)
from tests.qanda.conftest import answered

pytestmark = pytest.mark.django_db

LIST_URL = reverse("qanda_admin:list")


def answer_url(question: Question) -> str:
    return reverse("qanda_admin:answer", args=[question.pk])


def text(response) -> str:
    return unescape(response.content.decode())


def ask(client, user, call, question: str) -> Question:
    log_in_as(client, user)
    response = client.post(reverse("qanda:ask", args=[call.slug]), {"question": question})
    assert response.status_code == 302
    client.logout()
    return Question.objects.get(question=question)


def publish(client, user, question, answer: str, *, publish: bool = True, capture=None):
    log_in_as(client, user)
    data = {"answer": answer, **({"publish": "on"} if publish else {})}
    with capture(execute=True):
        response = client.post(answer_url(question), data)
    assert response.status_code == 302, text(response)
    assert response["Location"] == LIST_URL
    question.refresh_from_db()
    return response


# --- The whole flow --------------------------------------------------------------------------


def test_question_flow_from_applicant_to_call_page_and_mails(
    client, call, candidate, metropole, cci, django_capture_on_commit_callbacks
):
    follower = applicant(email="suiveur@pme.test")
    opted_out = applicant(email="discret@pme.test")
    Account.objects.filter(user=opted_out).update(notify_followed_calls=False)
    for user in (follower, opted_out, candidate):  # the asker also follows: one mail still
        Follow.objects.create(user=user, call=call)
    Follow.objects.create(user=applicant(email="autre-appel@pme.test"), call=create_call(cci))

    question = ask(client, candidate, call, "Faut-il un prototype pour candidater ?")

    log_in_as(client, editor_of(metropole))
    listing = text(client.get(LIST_URL))
    assert "Faut-il un prototype pour candidater ?" in listing
    assert call.title in listing
    assert "lea.martin" not in listing
    log_in_as(client, editor_of(cci))
    assert "Faut-il un prototype" not in text(client.get(LIST_URL))

    evaluator = evaluator_of(metropole)
    log_in_as(client, evaluator)
    form_page = text(client.get(answer_url(question)))
    assert "Faut-il un prototype pour candidater ?" in form_page
    assert "Publier la réponse sur la page de l'appel" in form_page
    before = timezone.now()
    response = publish(
        client,
        evaluator,
        question,
        "Non : une maquette suffit.",
        capture=django_capture_on_commit_callbacks,
    )

    assert question.answer == "Non : une maquette suffit."
    assert question.answered_by == evaluator and question.answered_at >= before
    assert question.is_published and question.published_at >= before
    assert "prévenus par e-mail" in text(client.get(response["Location"]))

    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == ["lea.martin@startup.test", "suiveur@pme.test"]
    message = mail.outbox[0]
    assert message.subject == f"Nouvelle réponse publiée sur l'appel « {call.title} »"
    assert "Faut-il un prototype pour candidater ?" in message.body
    assert "Non : une maquette suffit." in message.body
    assert f"http://testserver/appels/{call.slug}/#questions-candidats" in message.body

    client.logout()
    page = text(client.get(call.url))
    assert "Faut-il un prototype pour candidater ?" in page
    assert "Non : une maquette suffit." in page
    assert "lea.martin" not in page and "startup.test" not in page


def test_editing_and_unpublishing_later_tell_nobody_again(
    client, call, candidate, metropole, django_capture_on_commit_callbacks
):
    Follow.objects.create(user=candidate, call=call)
    question = Question.objects.create(call=call, asked_by=candidate, question="Budget ?")
    reviewer = reviewer_of(metropole)
    capture = django_capture_on_commit_callbacks

    publish(client, reviewer, question, "40 000 € HT.", capture=capture)
    first_published_at = question.published_at
    assert len(mail.outbox) == 1

    publish(client, reviewer, question, "40 000 € HT au plus.", capture=capture)
    assert question.answer == "40 000 € HT au plus." and question.is_published
    assert "40 000 € HT au plus." in text(client.get(call.url))

    publish(client, reviewer, question, "40 000 € HT au plus.", publish=False, capture=capture)
    assert not question.is_published
    assert "40 000 € HT au plus." not in text(client.get(call.url))

    publish(client, reviewer, question, "40 000 € HT au plus.", capture=capture)
    assert question.is_published and question.published_at == first_published_at
    assert len(mail.outbox) == 1


def test_an_answer_saved_without_publishing_stays_private(
    client, call, candidate, metropole, django_capture_on_commit_callbacks
):
    question = Question.objects.create(call=call, asked_by=candidate, question="Délais ?")
    editor = editor_of(metropole)
    publish(
        client,
        editor,
        question,
        "Six mois.",
        publish=False,
        capture=django_capture_on_commit_callbacks,
    )

    assert question.answer == "Six mois." and question.answered_by == editor
    assert not question.is_published and question.published_at is None
    assert mail.outbox == []
    assert "Six mois." not in text(client.get(call.url))


def test_publishing_an_empty_answer_is_refused_in_french(client, call, candidate, metropole):
    question = Question.objects.create(call=call, asked_by=candidate, question="Délais ?")
    log_in_as(client, editor_of(metropole))

    response = client.post(answer_url(question), {"answer": "   ", "publish": "on"})

    assert response.status_code == 200
    assert "Écrivez une réponse avant de la publier." in text(response)
    question.refresh_from_db()
    assert not question.is_published and question.answer == ""


# --- Isolation ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [editor_of, reviewer_of, evaluator_of])
def test_another_organisations_question_does_not_exist(client, call, candidate, cci, role):
    question = Question.objects.create(call=call, asked_by=candidate, question="Secret ?")
    log_in_as(client, role(cci))

    assert client.get(answer_url(question)).status_code == 404
    response = client.post(answer_url(question), {"answer": "Piraté", "publish": "on"})

    assert response.status_code == 404
    question.refresh_from_db()
    assert question.answer == "" and not question.is_published
    assert "Secret ?" not in text(client.get(LIST_URL))
    assert "Secret ?" not in text(client.get(LIST_URL, {"call": call.pk}))


@pytest.mark.parametrize("role", [editor_of, reviewer_of, evaluator_of])
def test_the_organisations_people_have_the_menu(client, metropole, role):
    log_in_as(client, role(metropole))
    assert "Questions des candidats" in text(client.get(reverse("wagtailadmin_home")))
    assert client.get(LIST_URL).status_code == 200


def test_applicants_and_outsiders_have_no_way_in(client, call, candidate):
    question = Question.objects.create(call=call, asked_by=candidate, question="Moi ?")
    log_in_as(client, candidate)
    for url in (LIST_URL, answer_url(question)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(settings.WAGTAILADMIN_LOGIN_URL)

    staff = UserFactory(username="sans-organisation", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    log_in_as(client, staff)
    assert "Questions des candidats" not in text(client.get(reverse("wagtailadmin_home")))
    assert client.get(LIST_URL)["Location"] == reverse("wagtailadmin_home")
    assert client.get(answer_url(question)).status_code == 404


def test_superusers_see_every_organisations_questions(client, call, candidate, cci):
    Question.objects.create(call=call, asked_by=candidate, question="Métropole ?")
    Question.objects.create(call=create_call(cci), asked_by=candidate, question="CCI ?")
    log_in_as(client, UserFactory(username="admin", is_staff=True, is_superuser=True))
    listing = text(client.get(LIST_URL))
    assert "Métropole ?" in listing and "CCI ?" in listing


# --- Filters ------------------------------------------------------------------------------


def test_filters_by_state_and_call(client, call, candidate, metropole):
    other_call = create_call(metropole, title="Logistique urbaine")
    Question.objects.create(call=call, asked_by=candidate, question="Q-sans-reponse")
    answered(call, candidate, text="Q-repondue", answer="R", published=False)
    answered(call, candidate, text="Q-publiee", answer="R")
    Question.objects.create(call=other_call, asked_by=candidate, question="Q-autre-appel")
    log_in_as(client, editor_of(metropole))

    def shown(**params) -> set[str]:
        content = text(client.get(LIST_URL, params))
        return {
            q
            for q in ("Q-sans-reponse", "Q-repondue", "Q-publiee", "Q-autre-appel")
            if q in content
        }

    assert shown() == {"Q-sans-reponse", "Q-repondue", "Q-publiee", "Q-autre-appel"}
    assert shown(state="unanswered") == {"Q-sans-reponse", "Q-autre-appel"}
    assert shown(state="answered") == {"Q-repondue", "Q-publiee"}
    assert shown(state="published") == {"Q-publiee"}
    assert shown(call=call.pk) == {"Q-sans-reponse", "Q-repondue", "Q-publiee"}
    assert shown(state="unanswered", call=other_call.pk) == {"Q-autre-appel"}
    assert shown(state="nimporte", call="abc") == shown()
