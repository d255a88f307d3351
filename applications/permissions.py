"""Who may see what: the single place that answers it for every view and export.

Applicants act for their company: they see its applications and nothing else.
Evaluators and reviewers of an organisation see the submitted applications to the
calls that organisation issues; superusers see everything. Drafts and withdrawn
applications stay private to the company.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from applications.models import SUBMITTED_STATUSES, Application, Attachment
from companies.models import Company
from organisations.access import organisations_for
from organisations.models import Organisation

User = AbstractBaseUser | AnonymousUser


def company_of(user: User) -> Company | None:
    """The company the user acts for, or None (staff, or profile not completed yet)."""
    if not user.is_authenticated:
        return None
    membership = getattr(user, "membership", None)
    return membership.company if membership is not None else None


def evaluated_organisations(user: User) -> QuerySet[Organisation]:
    """The organisations whose applications the user may read, score and decide on."""
    return organisations_for(user, ("evaluators", "reviewers"))


def is_evaluator(user: User) -> bool:
    return evaluated_organisations(user).exists()


def evaluable_applications(user: User) -> QuerySet[Application]:
    """Submitted applications to calls issued by an organisation the user evaluates for."""
    return Application.objects.filter(
        status__in=SUBMITTED_STATUSES, call__issuer__in=evaluated_organisations(user)
    )


def company_applications(user: User) -> QuerySet[Application]:
    company = company_of(user)
    if company is None:
        return Application.objects.none()
    return Application.objects.filter(company=company)


def can_evaluate(user: User, application: Application) -> bool:
    return evaluable_applications(user).filter(pk=application.pk).exists()


def can_read_attachment(user: User, attachment: Attachment) -> bool:
    """The applicant's company always; the issuer's evaluators once it is submitted."""
    application = attachment.application
    return company_applications(user).filter(pk=application.pk).exists() or can_evaluate(
        user, application
    )
