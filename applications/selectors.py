"""Reads for the applicant's pages: answers as shown, the dashboard, the call page actions."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from applications.models import (
    SUBMITTED_STATUSES,
    Application,
    ApplicationStatus,
    Attachment,
    Follow,
    QuestionKind,
)
from applications.permissions import company_applications, company_of

YES_NO_LABELS = {"yes": _("Oui"), "no": _("Non")}


@dataclass
class AnswerRow:
    label: str
    value: str
    files: list[Attachment] = field(default_factory=list)


def answer_rows(application: Application) -> list[AnswerRow]:
    """The call's questions with the company's answers, for the detail page and receipt."""
    files: dict[int, list[Attachment]] = {}
    for attachment in application.attachments.filter(question__isnull=False):
        files.setdefault(attachment.question_id, []).append(attachment)
    rows = []
    for question in application.call.form_questions.all():
        raw = application.answers.get(question.field_name)
        if question.kind == QuestionKind.YES_NO:
            value = str(YES_NO_LABELS.get(raw, ""))
        else:
            value = "" if raw is None else str(raw)
        rows.append(AnswerRow(question.label, value, files.get(question.pk, [])))
    return rows


@dataclass
class Dashboard:
    drafts: list[Application]
    submitted: list[Application]
    withdrawn: list[Application]
    follows: list[Follow]


def dashboard_for(user) -> Dashboard:
    """Everything ``/espace/`` lists: the company's applications and the user's follows."""
    applications = list(company_applications(user).select_related("call").order_by("-updated_at"))
    follows = list(
        Follow.objects.filter(user=user, call__live=True)
        .select_related("call")
        .order_by("call__closes_at")
    )
    return Dashboard(
        drafts=[a for a in applications if a.status == ApplicationStatus.DRAFT],
        submitted=[a for a in applications if a.status in SUBMITTED_STATUSES],
        withdrawn=[a for a in applications if a.status == ApplicationStatus.WITHDRAWN],
        follows=follows,
    )


def call_actions_for(user, call) -> dict:
    """What the call page's action box offers this visitor."""
    if not user.is_authenticated:
        return {"authenticated": False}
    company = company_of(user)
    application = (
        Application.objects.filter(call=call, company=company).first() if company else None
    )
    return {
        "authenticated": True,
        "has_company": company is not None,
        "application": application,
        "following": Follow.objects.filter(user=user, call=call).exists(),
    }
