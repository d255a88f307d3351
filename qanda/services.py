"""Writes of the questions: an applicant asks, the issuing organisation answers.

Each service checks the state it starts from and raises ``QuestionError`` (with a
French message for the view to show) when that state does not allow the action.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.constants import CallStatus
from calls.lifecycle import compute_status
from calls.models import CallPage
from qanda.models import Question
from qanda.notifications import notify_answer_published


class QuestionError(Exception):
    """An action the question's or the call's state does not allow; the message is French."""


class QuestionRateLimited(QuestionError):
    """The asker has asked too many questions in the last hour."""


def is_verified_applicant(user) -> bool:
    """Only applicants whose e-mail address is verified may ask (staff have no account)."""
    account = getattr(user, "account", None) if user.is_authenticated else None
    return account is not None and account.is_verified


def accepts_questions(call: CallPage, now: datetime | None = None) -> bool:
    return call.live and compute_status(call, now) == CallStatus.OPEN


def questions_asked_recently(user, now: datetime | None = None) -> int:
    """Questions ``user`` asked in the last hour: the rows are the count, no cache needed."""
    since = (now or timezone.now()) - timedelta(hours=1)
    return Question.objects.filter(asked_by=user, asked_at__gte=since).count()


def ask_refusal(call: CallPage, user, now: datetime | None = None) -> str | None:
    """Why ``user`` may not ask a question on ``call`` now, in French; None if they may."""
    if not is_verified_applicant(user):
        return _(
            "Seuls les candidats dont l'adresse e-mail est vérifiée peuvent poser une question."
        )
    if not accepts_questions(call, now):
        return _("Cet appel n'est pas ouvert : il n'est plus possible d'y poser une question.")
    return None


@transaction.atomic
def question_ask(call: CallPage, user, text: str, now: datetime | None = None) -> Question:
    """Record ``user``'s question on ``call``; it stays private until answered and published."""
    refusal = ask_refusal(call, user, now)
    if refusal:
        raise QuestionError(refusal)
    if questions_asked_recently(user, now) >= settings.QUESTION_LIMIT_PER_HOUR:
        raise QuestionRateLimited(
            _("Vous avez posé beaucoup de questions en peu de temps. Réessayez dans une heure.")
        )
    return Question.objects.create(call=call, asked_by=user, question=text.strip())


@transaction.atomic
def question_answer(
    question: Question, user, answer: str, *, publish: bool, now: datetime | None = None
) -> Question:
    """Write, change, publish or unpublish the answer to ``question``.

    ``answered_by``/``answered_at`` follow the last change of the text. ``published_at``
    records the first publication and is kept when the answer is unpublished: followers
    and the asker are told once, after the commit, however often it is republished.
    """
    now = now or timezone.now()
    question = Question.objects.select_for_update().get(pk=question.pk)
    answer = answer.strip()
    if publish and not answer:
        raise QuestionError(_("Écrivez une réponse avant de la publier."))
    if answer != question.answer:
        question.answer = answer
        question.answered_by = user if answer else None
        question.answered_at = now if answer else None
    first_publication = publish and question.published_at is None
    question.is_published = publish
    if first_publication:
        question.published_at = now
    question.save()
    if first_publication:
        transaction.on_commit(partial(notify_answer_published, question.pk))
    return question
