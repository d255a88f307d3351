"""Evaluator-side test helpers: submitted applications as the submit step leaves them.

The applicants' submit service is another part's subject; here an application is
created directly in a submitted state, with its StatusChange, attachments saved to
the private storage, and the call's questions and criteria published through a
revision as editors do in the CMS.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal
from itertools import count

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.functional import empty

from applications.evaluation import ScoreInput, evaluation_save
from applications.models import (
    Application,
    ApplicationStatus,
    Attachment,
    EvaluationCriterion,
    FormQuestion,
    StatusChange,
)
from applications.storage import private_storage
from calls.models import CallPage
from tests.factories import CompanyFactory, applicant

PASSWORD = "mot-de-passe-de-test"
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
_numbers = count(1)


def use_private_root(settings, path) -> None:
    """Point the private storage at ``path`` (the storage is built once, lazily)."""
    settings.PRIVATE_MEDIA_ROOT = path
    private_storage._wrapped = empty


def set_form(
    call: CallPage,
    *,
    questions: list[dict] = (),
    criteria: list[dict] = (),
) -> tuple[list[FormQuestion], list[EvaluationCriterion]]:
    """Publish the call again with these questions and criteria, as editors do."""
    latest = call.get_latest_revision_as_object()
    latest.form_questions = [FormQuestion(sort_order=i, **q) for i, q in enumerate(questions)]
    latest.evaluation_criteria = [
        EvaluationCriterion(sort_order=i, **c) for i, c in enumerate(criteria)
    ]
    latest.save_revision().publish()
    call.refresh_from_db()
    return (
        list(FormQuestion.objects.filter(call_id=call.pk).order_by("sort_order")),
        list(EvaluationCriterion.objects.filter(call_id=call.pk).order_by("sort_order")),
    )


def submitted_application(
    call: CallPage,
    company=None,
    *,
    status: str = ApplicationStatus.RECEIVED,
    submitted_at: datetime | None = None,
    **fields,
) -> Application:
    """An application as the submit step leaves it: reference, date, logged status."""
    company = company or CompanyFactory()
    n = next(_numbers)
    defaults = {
        "solution_name": f"Solution {n}",
        "description": "Une solution éprouvée.",
        "maturity": 7,
        "references": "Ville de Marseille",
        "team": "Trois ingénieurs",
        "pilot_proposal": "Un pilote de trois mois",
        "budget_estimate": Decimal("45000.00"),
    }
    defaults.update(fields)
    application = Application.objects.create(
        call=call,
        company=company,
        status=status,
        reference=f"{call.call_id or 'AMP'}-C{n:04d}",
        submitted_at=submitted_at or timezone.now(),
        **defaults,
    )
    StatusChange.objects.create(
        application=application, from_status=ApplicationStatus.DRAFT, to_status="received"
    )
    return application


def attach(
    application: Application,
    name: str = "plaquette.pdf",
    content: bytes = PDF_BYTES,
    *,
    question: FormQuestion | None = None,
    content_type: str = "application/pdf",
) -> Attachment:
    attachment = Attachment(
        application=application,
        question=question,
        original_name=name,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    attachment.file.save(name, ContentFile(content), save=False)
    attachment.save()
    return attachment


def score(application, evaluator, criteria, values: list[int], comment: str = ""):
    return evaluation_save(
        application,
        evaluator,
        {c.pk: ScoreInput(v, f"commentaire {v}") for c, v in zip(criteria, values, strict=True)},
        comment,
    )


def member_of(company, email: str | None = None):
    """A verified applicant acting for ``company`` (the decision e-mail goes to them)."""
    return applicant(company=company, email=email)
