"""Deciding on applications: the status change, its log, and the e-mail to the applicant.

``application_decide`` is the only way an evaluator moves an application along
``DECISIONS``. The message is the organisation's ``DecisionTemplate`` for that
decision when it wrote one, else the French default of
``applications/email/decision*.txt``; both are filled from ``decision_values``, plain
strings only, so that a text cannot reach the models behind them. The message leaves
after commit, so that nobody is told of a decision that was rolled back, and
``StatusChange.notified_at`` records that it left; a message that cannot be built or
sent is logged and never undoes nor hides the decision.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from applications.models import (
    DECISIONS,
    Application,
    ApplicationStatus,
    DecisionTemplate,
    StatusChange,
)
from applications.placeholders import DECISION_PLACEHOLDERS
from portal.placeholders import PlaceholderError

logger = logging.getLogger(__name__)


class DecisionError(Exception):
    """A decision the rules refuse; the message is French and shown to the evaluator."""


@dataclass(frozen=True)
class DecisionMessage:
    subject: str
    body: str


def decision_choices(application: Application) -> list[tuple[str, str]]:
    """The decisions that may follow the application's status, as form choices."""
    return [(s, ApplicationStatus(s).label) for s in DECISIONS.get(application.status, ())]


def applicant_url(application: Application) -> str:
    """The absolute address where the applicant reads their application."""
    try:
        path = reverse("applications:detail", args=[application.public_id])
    except NoReverseMatch:  # the applicants' side is not installed: their dashboard
        path = "/espace/"
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def decision_values(application: Application, status: str, reason: str) -> dict[str, str]:
    """The value of each of ``DECISION_PLACEHOLDERS``: strings, never model objects."""
    call = application.call
    return {
        "entreprise": application.company.legal_name,
        "appel": call.title,
        "identifiant_appel": call.call_id or "",
        "reference": application.reference,
        "decision": _label(status),
        "motif": reason,
        "lien": applicant_url(application),
        "organisation": call.issuer.name if call.issuer_id else "",
    }


def default_decision_message(status: str, values: dict[str, str]) -> DecisionMessage:
    """The French message the platform sends when the organisation wrote none.

    A project template, but given the same plain strings as the organisations' texts.
    """
    context = {**values, "status": status}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("applications/email/decision_subject.txt", context)
        body = render_to_string("applications/email/decision.txt", context)
    return DecisionMessage(" ".join(subject.split()), body)


def custom_decision_message(template: DecisionTemplate, values: dict[str, str]) -> DecisionMessage:
    subject = DECISION_PLACEHOLDERS.fill(template.subject, values)
    body = DECISION_PLACEHOLDERS.fill(template.body, values)
    return DecisionMessage(" ".join(subject.split()), body)


def decision_message(application: Application, status: str, reason: str) -> DecisionMessage:
    """The organisation's message for ``status`` if it wrote one, else the default."""
    values = decision_values(application, status, reason)
    template = DecisionTemplate.objects.filter(
        organisation_id=application.call.issuer_id, status=status
    ).first()
    if template is not None:
        try:
            return custom_decision_message(template, values)
        except PlaceholderError:
            # Saving validates texts; one broken since (by hand) must not block a decision.
            logger.warning("Decision template %s is not valid; default used", template.pk)
    return default_decision_message(status, values)


def applicant_recipients(application: Application) -> list[str]:
    """The addresses of the company's active members: the application is the company's."""
    users = get_user_model().objects.filter(
        membership__company_id=application.company_id, is_active=True
    )
    return sorted({email for email in users.values_list("email", flat=True) if email})


@transaction.atomic
def application_decide(
    application: Application,
    *,
    decision: str,
    user: AbstractBaseUser,
    reason: str,
    notify: bool,
) -> StatusChange:
    """Move ``application`` to ``decision``, log who did it and why, and tell if asked.

    The row is locked and its status read again, so that two evaluators deciding at
    the same moment cannot both move it from the same status.
    """
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if decision not in DECISIONS.get(locked.status, ()):
        raise DecisionError(
            _("Une candidature « %(status)s » ne peut pas passer à « %(decision)s ».")
            % {
                "status": locked.get_status_display(),
                "decision": _label(decision),
            }
        )
    now = timezone.now()
    change = StatusChange.objects.create(
        application=locked,
        from_status=locked.status,
        to_status=decision,
        changed_by=user,
        reason=reason,
    )
    locked.status, locked.decided_at = decision, now
    locked.save(update_fields=["status", "decided_at", "updated_at"])
    application.status, application.decided_at = locked.status, locked.decided_at
    if notify:
        # robust: a message that fails after commit is logged, never a 500 over a
        # decision that is already saved.
        transaction.on_commit(lambda: notify_decision(change.pk), robust=True)
    return change


def notify_decision(status_change_id: int) -> bool:
    """E-mail the applicant about one logged decision; True once the message has left."""
    change = StatusChange.objects.select_related(
        "application__call__issuer", "application__company"
    ).get(pk=status_change_id)
    application = change.application
    recipients = applicant_recipients(application)
    if not recipients:
        logger.warning("Application %s has no member to notify", application.pk)
        return False
    message = decision_message(application, change.to_status, change.reason)
    try:
        send_mail(message.subject, message.body, None, recipients)
    except (smtplib.SMTPException, OSError):
        # The decision stands; notified_at stays empty, which the history shows.
        logger.exception("Decision e-mail for application %s not sent", application.pk)
        return False
    StatusChange.objects.filter(pk=change.pk).update(notified_at=timezone.now())
    return True


def _label(status: str) -> str:
    try:
        return str(ApplicationStatus(status).label)
    except ValueError:
        return status
