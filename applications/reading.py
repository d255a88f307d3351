"""How evaluators read an application: its answers as text, in the call's order.

Shared by the detail page and the exports, so that both show an answer the same way.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from applications.models import Application, Attachment, FormQuestion, QuestionKind


@dataclass(frozen=True)
class Answer:
    question: FormQuestion
    text: str
    attachments: tuple[Attachment, ...] = ()


def answer_text(question: FormQuestion, value: object) -> str:
    """One stored answer as French text ("" when unanswered)."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, bool) or question.kind == QuestionKind.YES_NO:
        truthy = value is True or str(value).lower() in {"true", "yes", "oui", "1", "on"}
        return _("Oui") if truthy else _("Non")
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    if isinstance(value, float | Decimal):
        return str(value).replace(".", ",")
    return str(value)


def call_questions(call_id: int) -> list[FormQuestion]:
    return list(FormQuestion.objects.filter(call_id=call_id).order_by("sort_order", "pk"))


def application_answers(
    application: Application,
    questions: list[FormQuestion],
    attachments: list[Attachment] | None = None,
) -> list[Answer]:
    """The answer to each question; a file question lists the files joined to it."""
    if attachments is None:
        attachments = list(application.attachments.all())
    files_by_question: dict[int, list[Attachment]] = defaultdict(list)
    for attachment in attachments:
        if attachment.question_id is not None:
            files_by_question[attachment.question_id].append(attachment)
    answers = application.answers if isinstance(application.answers, dict) else {}
    result = []
    for question in questions:
        files = tuple(files_by_question.get(question.pk, ()))
        if question.kind == QuestionKind.FILE and files:
            text = ", ".join(f.original_name for f in files)
        else:
            text = answer_text(question, answers.get(question.field_name))
        result.append(Answer(question, text, files))
    return result
