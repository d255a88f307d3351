"""Shared data of the Q&A tests: an open call of the Métropole and a verified applicant."""

from __future__ import annotations

import pytest
from django.utils import timezone

from qanda.models import Question
from tests.factories import applicant, create_call


@pytest.fixture
def call(metropole):
    return create_call(metropole, title="Navettes maritimes décarbonées")


@pytest.fixture
def candidate(db):
    return applicant(email="lea.martin@startup.test")


def answered(call, asker, *, text: str, answer: str, published: bool = True) -> Question:
    """A question as the services leave it once answered (and published, by default)."""
    now = timezone.now()
    return Question.objects.create(
        call=call,
        asked_by=asker,
        question=text,
        answer=answer,
        answered_at=now,
        is_published=published,
        published_at=now if published else None,
    )
