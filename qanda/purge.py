"""GDPR: the Q&A's share of the purge of a call's applications (``applications.purge``).

Once a call has outlived ``APPLICATION_RETENTION_MONTHS``, the questions that were
never published go, text and answer: only their asker and the issuer ever saw them.
The published ones stay (everyone has read them on the call page) but no longer
point to who asked them.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from applications.purge import PurgeContributor
from calls.models import CallPage
from qanda.models import Question


def _pending() -> Q:
    return Q(applicant_questions__is_published=False) | Q(
        applicant_questions__asked_by__isnull=False
    )


def questions_purge(call: CallPage, dry_run: bool) -> dict[str, int]:
    unpublished = Question.objects.filter(call=call, is_published=False)
    askers = Question.objects.filter(call=call, is_published=True, asked_by__isnull=False)
    counts = {"questions_deleted": unpublished.count(), "askers_forgotten": askers.count()}
    if not dry_run:
        unpublished.delete()
        askers.update(asked_by=None)
    return counts


QUESTIONS_PURGE = PurgeContributor(
    pending=_pending,
    purge=questions_purge,
    labels={
        "questions_deleted": _("question(s) non publiée(s) supprimée(s)"),
        "askers_forgotten": _("question(s) publiée(s) détachée(s) de leur auteur"),
    },
)
