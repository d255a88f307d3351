"""Reads of the questions: what the public sees, and what each organisation may answer.

An organisation's people (its editors, reviewers and evaluators) see the questions on
the calls it issues and nothing else; superusers see every question.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from organisations.access import organisations_for
from organisations.models import Organisation
from qanda.models import Question

User = AbstractBaseUser | AnonymousUser


class QuestionState:
    """The filters of the organisations' list of questions."""

    UNANSWERED = "unanswered"
    ANSWERED = "answered"
    PUBLISHED = "published"


def published_questions(call) -> QuerySet[Question]:
    """The answered questions the issuer published, for the call page (never the asker)."""
    if call.pk is None:  # a preview of a call not saved yet
        return Question.objects.none()
    return (
        Question.objects.filter(call=call, is_published=True)
        .exclude(answer="")
        .only("question", "answer", "answered_at", "published_at")
        .order_by("published_at", "pk")
    )


def answering_organisations(user: User) -> QuerySet[Organisation]:
    """The organisations whose questions ``user`` may read and answer."""
    return organisations_for(user, ("editors", "reviewers", "evaluators"))


def can_answer_questions(user: User) -> bool:
    return answering_organisations(user).exists()


def answerable_questions(user: User) -> QuerySet[Question]:
    """Every question ``user`` may see in the admin, newest first."""
    return (
        Question.objects.filter(call__issuer__in=answering_organisations(user))
        .select_related("call", "answered_by")
        .order_by("-asked_at", "-pk")
    )


def filter_questions(questions: QuerySet[Question], state: str) -> QuerySet[Question]:
    if state == QuestionState.UNANSWERED:
        return questions.filter(answer="")
    if state == QuestionState.ANSWERED:
        return questions.exclude(answer="")
    if state == QuestionState.PUBLISHED:
        return questions.filter(is_published=True)
    return questions
