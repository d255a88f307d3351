"""GDPR: the questions of a call go with its applications, once the retention period is over."""

from __future__ import annotations

from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from applications.purge import applications_purge
from qanda.models import Question
from tests.applications.test_purge import NOW, ended_call, months_ago
from tests.factories import applicant
from tests.qanda.conftest import answered

pytestmark = pytest.mark.django_db


@pytest.fixture
def questions(metropole):
    """A call ended 25 months ago: unanswered, privately answered, published; one recent."""
    old = ended_call(metropole, months_ago(25))
    recent = ended_call(metropole, months_ago(23))
    asker = applicant(email="lea.martin@startup.test")
    return {
        "old": old,
        "asker": asker,
        "unanswered": Question.objects.create(
            call=old, asked_by=asker, question="Mon entreprise Léa Martin SAS est-elle éligible ?"
        ),
        "private": answered(
            old, asker, text="Puis-je joindre mon bilan ?", answer="Oui.", published=False
        ),
        "published": answered(
            old, asker, text="Le budget est-il plafonné ?", answer="Oui, à 50 000 €."
        ),
        "recent": Question.objects.create(call=recent, asked_by=asker, question="Et ici ?"),
    }


def test_unpublished_questions_go_and_published_ones_lose_their_asker(client, questions):
    report = applications_purge(now=NOW)

    remaining = Question.objects.filter(call=questions["old"])
    assert list(remaining) == [questions["published"]]
    assert not Question.objects.filter(question__contains="Léa Martin").exists()
    assert not Question.objects.filter(question="Puis-je joindre mon bilan ?").exists()
    published = remaining.get()
    assert published.asked_by is None
    assert (published.question, published.answer) == (
        "Le budget est-il plafonné ?",
        "Oui, à 50 000 €.",
    )
    recent = Question.objects.get(pk=questions["recent"].pk)
    assert recent.asked_by == questions["asker"]  # its call ended 23 months ago: kept
    [summary] = report.calls
    assert summary.others == {"questions_deleted": 2, "askers_forgotten": 1}

    # The published Q&A stays readable on the call page.
    content = client.get(questions["old"].url).content.decode()
    assert "Le budget est-il plafonné ?" in content and "Oui, à 50 000 €." in content


def test_a_call_with_only_questions_left_is_purged_too(metropole):
    """No application, asker already gone: the unpublished text alone makes the call due."""
    old = ended_call(metropole, months_ago(25))
    Question.objects.create(call=old, asked_by=None, question="Question orpheline ?")

    applications_purge(now=NOW)

    assert not Question.objects.exists()


def test_the_dry_run_counts_the_questions_and_deletes_nothing(questions):
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("purge_applications", "--dry-run", stdout=out)

    output = out.getvalue()
    assert "2 question(s) non publiée(s) supprimée(s)" in output
    assert "1 question(s) publiée(s) détachée(s) de leur auteur" in output
    assert Question.objects.count() == 4
