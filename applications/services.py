"""Writes of an applicant: start a draft, save it, attach files, submit, withdraw, reopen.

Each function is atomic, checks the state it starts from and raises
``ApplicationError`` (a French message for the applicant) when a rule forbids the
step. Whether the call accepts applications is decided here, on the server's clock:
``opens_at`` and ``closes_at`` are aware datetimes, so comparing instants is right
in Paris time on both sides of a daylight-saving change.
"""

from __future__ import annotations

import uuid
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from applications.models import (
    Application,
    ApplicationStatus,
    Attachment,
    FormQuestion,
    QuestionKind,
    StatusChange,
)
from applications.uploads import CheckedFile
from calls.constants import CallStatus
from calls.lifecycle import compute_status
from calls.models import CallPage
from portal.mail import send_templated_mail

#: The standard fields of every application, in the order of the form.
STANDARD_FIELDS = (
    "solution_name",
    "description",
    "maturity",
    "references",
    "team",
    "pilot_proposal",
    "budget_estimate",
)
#: Standard fields without which an application cannot be submitted.
REQUIRED_STANDARD_FIELDS = ("solution_name", "description", "maturity", "team", "pilot_proposal")


class ApplicationError(Exception):
    """A step the rules forbid; ``message`` is shown to the applicant as is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ApplicationIncomplete(ApplicationError):
    """Required answers are missing; ``errors`` maps each form field to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(
            _("La candidature est incomplète : complétez les champs signalés puis déposez-la.")
        )
        self.errors = errors


# --- Whether the call accepts applications ----------------------------------------------


def _paris(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "j F Y à H\\hi")


def ensure_call_accepts(call: CallPage) -> None:
    """Raise unless ``call`` is published and open at this instant."""
    status = compute_status(call)
    if not call.live or status == CallStatus.WITHDRAWN:
        raise ApplicationError(_("Cet appel a été retiré : il n'accepte pas de candidature."))
    if status == CallStatus.UPCOMING:
        raise ApplicationError(
            _("Les candidatures à cet appel ouvriront le %(date)s (heure de Paris).")
            % {"date": _paris(call.opens_at)}
        )
    if call.closed_early_at:
        raise ApplicationError(
            _("Cet appel a été clôturé avant la date prévue : il n'accepte plus de candidature.")
        )
    if status == CallStatus.CLOSED:
        raise ApplicationError(
            _(
                "La date limite de cet appel (%(date)s, heure de Paris) est passée : "
                "la candidature n'a pas été déposée."
            )
            % {"date": _paris(call.closes_at)}
        )


# --- Drafts -----------------------------------------------------------------------------------


def application_start(*, call: CallPage, company, user) -> Application:
    """The company's application to ``call``: its existing one, or a new draft."""
    existing = Application.objects.filter(call=call, company=company).first()
    if existing is not None:
        return existing
    ensure_call_accepts(call)
    try:
        with transaction.atomic():
            return Application.objects.create(call=call, company=company, created_by=user)
    except IntegrityError:
        # A colleague started it at the same instant: one application per company.
        return Application.objects.get(call=call, company=company)


def _locked(application: Application) -> Application:
    return Application.objects.select_for_update().get(pk=application.pk)


def _ensure_draft(application: Application) -> None:
    if application.status != ApplicationStatus.DRAFT:
        raise ApplicationError(
            _("Cette candidature a été déposée : elle ne peut plus être modifiée.")
        )


@transaction.atomic
def application_save_draft(
    *, application: Application, fields: dict, answers: dict, user
) -> Application:
    """Store what the applicant typed so far; nothing is required in a draft.

    ``fields`` holds standard fields, ``answers`` the call's questions by field name;
    keys left out keep their stored value.
    """
    locked = _locked(application)
    _ensure_draft(locked)
    for name, value in fields.items():
        if name in STANDARD_FIELDS:
            setattr(locked, name, value)
    locked.answers = {**locked.answers, **answers}
    locked.save()
    return locked


@transaction.atomic
def attachment_add(
    *, application: Application, checked: CheckedFile, user, question: FormQuestion | None = None
) -> Attachment:
    """Store a checked file; for a file question it replaces the previous answer."""
    locked = _locked(application)
    _ensure_draft(locked)
    kept = locked.attachments.all()
    if question is not None:
        kept = kept.exclude(question=question)
    used = kept.aggregate(total=Sum("size"))["total"] or 0
    if used + checked.size > settings.APPLICATION_TOTAL_MAX_BYTES:
        raise ApplicationError(
            _(
                "Le fichier « %(name)s » ferait dépasser %(max)s de pièces jointes pour la "
                "candidature (%(used)s déjà joints) : retirez ou allégez un fichier."
            )
            % {
                "name": checked.name,
                "max": filesizeformat(settings.APPLICATION_TOTAL_MAX_BYTES),
                "used": filesizeformat(used),
            }
        )
    if question is not None:
        locked.attachments.filter(question=question).delete()
    return Attachment.objects.create(
        application=locked,
        question=question,
        file=checked.upload,
        original_name=checked.name[:255],
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=user,
    )


@transaction.atomic
def attachment_remove(*, application: Application, attachment_public_id, user) -> None:
    """Take a file out of a draft (its stored copy goes once the deletion commits)."""
    locked = _locked(application)
    _ensure_draft(locked)
    try:
        public_id = uuid.UUID(str(attachment_public_id))
    except ValueError:
        return
    locked.attachments.filter(public_id=public_id).delete()


# --- Submission ---------------------------------------------------------------------------


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def missing_requirements(application: Application) -> dict[str, str]:
    """What still blocks submission: form field name → French message."""
    missing: dict[str, str] = {}
    required = _("Ce champ est obligatoire pour déposer la candidature.")
    for name in REQUIRED_STANDARD_FIELDS:
        if _is_blank(getattr(application, name)):
            missing[name] = required
    answered_files = set(
        application.attachments.filter(question__isnull=False).values_list("question_id", flat=True)
    )
    for question in application.call.form_questions.filter(required=True):
        if question.kind == QuestionKind.FILE:
            if question.pk not in answered_files:
                missing[question.field_name] = _("Joignez ce fichier pour déposer la candidature.")
        elif _is_blank(application.answers.get(question.field_name)):
            missing[question.field_name] = required
    return missing


def next_reference(call: CallPage) -> str:
    """``<call_id>-<n>``, n counting this call's submitted applications; call row locked.

    The highest number given so far (not a count) so that a deleted application
    never frees a number.
    """
    prefix = f"{call.call_id or call.pk}-"
    references = Application.objects.filter(call=call, reference__startswith=prefix)
    numbers = [
        int(reference.rsplit("-", 1)[1])
        for reference in references.values_list("reference", flat=True)
        if reference.rsplit("-", 1)[1].isdigit()
    ]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


@transaction.atomic
def application_submit(*, application: Application, user) -> Application:
    """Submit a complete draft while the call is open; number it and send the receipt.

    The call row is locked first, so two submissions to one call get two numbers.
    A refusal changes nothing: the draft stays as it was.
    """
    call = CallPage.objects.select_for_update(of=("self",)).get(pk=application.call_id)
    locked = _locked(application)
    _ensure_draft(locked)
    locked.call = call
    ensure_call_accepts(call)
    missing = missing_requirements(locked)
    if missing:
        raise ApplicationIncomplete(missing)
    if not locked.reference:
        locked.reference = next_reference(call)
    locked.status = ApplicationStatus.RECEIVED
    locked.submitted_at = timezone.now()
    locked.withdrawn_at = None
    locked.save()
    StatusChange.objects.create(
        application=locked,
        from_status=ApplicationStatus.DRAFT,
        to_status=ApplicationStatus.RECEIVED,
        changed_by=user,
    )
    transaction.on_commit(partial(send_receipt, locked.pk))
    return locked


def send_receipt(application_pk: int) -> None:
    """E-mail the receipt (summary and reference) to every member of the company."""
    from applications.selectors import answer_rows

    application = (
        Application.objects.select_related("call", "company").filter(pk=application_pk).first()
    )
    if application is None or application.status != ApplicationStatus.RECEIVED:
        return
    context = {
        "application": application,
        "call": application.call,
        "company": application.company,
        "answers": answer_rows(application),
        "attachments": list(application.attachments.all()),
        "detail_path": reverse("applications:detail", args=[application.public_id]),
    }
    members = application.company.memberships.select_related("user")
    for membership in members:
        if membership.user.is_active and membership.user.email:
            send_templated_mail("applications/email/receipt", context, [membership.user.email])


# --- Withdrawal and reopening ----------------------------------------------------------------


@transaction.atomic
def application_withdraw(*, application: Application, user, reason: str = "") -> Application:
    """Withdraw a received application, only before the call's deadline."""
    locked = _locked(application)
    if locked.status != ApplicationStatus.RECEIVED:
        if locked.status == ApplicationStatus.WITHDRAWN:
            raise ApplicationError(_("Cette candidature est déjà retirée."))
        if locked.status == ApplicationStatus.DRAFT:
            raise ApplicationError(_("Un brouillon n'est pas déposé : il n'y a rien à retirer."))
        raise ApplicationError(
            _(
                "L'organisation a déjà statué sur cette candidature : "
                "elle ne peut plus être retirée."
            )
        )
    if not locked.call.is_open:
        raise ApplicationError(
            _("La date limite de l'appel est passée : la candidature ne peut plus être retirée.")
        )
    locked.status = ApplicationStatus.WITHDRAWN
    locked.withdrawn_at = timezone.now()
    locked.save()
    StatusChange.objects.create(
        application=locked,
        from_status=ApplicationStatus.RECEIVED,
        to_status=ApplicationStatus.WITHDRAWN,
        changed_by=user,
        reason=reason,
    )
    return locked


@transaction.atomic
def application_reopen(*, application: Application, user) -> Application:
    """Turn a withdrawn application back into a draft, while the call is still open.

    It keeps its reference, so a resubmission is the same application.
    """
    locked = _locked(application)
    if locked.status != ApplicationStatus.WITHDRAWN:
        raise ApplicationError(_("Seule une candidature retirée peut être reprise."))
    ensure_call_accepts(locked.call)
    locked.status = ApplicationStatus.DRAFT
    locked.submitted_at = None
    locked.withdrawn_at = None
    locked.save()
    StatusChange.objects.create(
        application=locked,
        from_status=ApplicationStatus.WITHDRAWN,
        to_status=ApplicationStatus.DRAFT,
        changed_by=user,
    )
    return locked
