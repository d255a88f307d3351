"""GDPR: applications are kept ``APPLICATION_RETENTION_MONTHS`` after their call ends, then purged.

A call ends when it is withdrawn (``withdrawn_at``), else when it was closed early
(``closed_early_at``), else at its deadline (``closes_at``). Once that moment is
older than the retention period, every application to the call goes — drafts
included — with its attachments (rows and files), evaluations and status changes.

Other apps hold personal data tied to a call too (the Q&A's questions): they
register a :class:`PurgeContributor` from their ``AppConfig.ready()``, and their
part goes in the same transaction as the call's applications. This app thus knows
nothing of them: they depend on it, not the other way round.
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from applications.models import (
    Application,
    ApplicationStatus,
    Attachment,
    Evaluation,
    StatusChange,
)
from calls.models import CallPage

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PurgeContributor:
    """Another app's personal data tied to a call, purged with the call's applications.

    ``pending`` selects the calls (``CallPage`` lookups) where something is left to
    purge; ``purge(call, dry_run)`` purges (or only counts) and returns counts by
    key; ``labels`` says in French what each key counts, for the command's report.
    """

    pending: Callable[[], Q]
    purge: Callable[[CallPage, bool], dict[str, int]]
    labels: dict[str, str]


_contributors: list[PurgeContributor] = []


def register_purge_contributor(contributor: PurgeContributor) -> None:
    if contributor not in _contributors:  # ready() may run twice in some test set-ups
        _contributors.append(contributor)


def purge_labels() -> dict[str, str]:
    return {key: label for c in _contributors for key, label in c.labels.items()}


def months_before(moment: datetime, months: int) -> datetime:
    """The same wall-clock time ``months`` calendar months earlier, in Paris time.

    The day is clamped to the end of a shorter month (31 March − 1 month = 28 or 29
    February), so that a retention of 24 months is 24 months whatever the month.
    """
    local = timezone.localtime(moment)
    index = local.year * 12 + local.month - 1 - months
    year, month = divmod(index, 12)
    day = min(local.day, calendar.monthrange(year, month + 1)[1])
    naive = local.replace(tzinfo=None, year=year, month=month + 1, day=day)
    return timezone.make_aware(naive)


def retention_cutoff(now: datetime | None = None) -> datetime:
    """Calls that ended at or before this moment have outlived the retention period."""
    return months_before(now or timezone.now(), settings.APPLICATION_RETENTION_MONTHS)


def _pending() -> Q:
    pending = Q(applications__isnull=False)
    for contributor in _contributors:
        pending |= contributor.pending()
    return pending


def expired_calls(cutoff: datetime) -> QuerySet[CallPage]:
    """Calls that ended by ``cutoff`` and still hold applications or other apps' data."""
    return (
        CallPage.objects.annotate(ended_at=Coalesce("withdrawn_at", "closed_early_at", "closes_at"))
        .filter(ended_at__lte=cutoff)
        .filter(_pending())
        .distinct()
        .order_by("ended_at", "pk")
    )


@dataclass
class CallPurge:
    """What goes (or would go) for one call."""

    page_id: int
    call_id: str
    title: str
    ended_at: datetime
    applications: int = 0
    drafts: int = 0
    attachments: int = 0
    attachment_bytes: int = 0
    evaluations: int = 0
    status_changes: int = 0
    others: dict[str, int] = field(default_factory=dict)  # the contributors' counts


@dataclass
class PurgeReport:
    retention_months: int
    cutoff: datetime
    dry_run: bool
    calls: list[CallPurge] = field(default_factory=list)

    @property
    def applications(self) -> int:
        return sum(c.applications for c in self.calls)

    @property
    def attachments(self) -> int:
        return sum(c.attachments for c in self.calls)


def applications_purge(*, now: datetime | None = None, dry_run: bool = False) -> PurgeReport:
    """Purge (or, with ``dry_run``, count) what has outlived the retention period.

    One transaction per call, so a failure leaves the calls already done purged.
    Files leave the disk through ``applications.signals`` (one handler per deleted
    attachment, cascades included), once their rows are gone for good.
    """
    cutoff = retention_cutoff(now)
    report = PurgeReport(settings.APPLICATION_RETENTION_MONTHS, cutoff, dry_run)
    for call in expired_calls(cutoff):
        report.calls.append(_purge_call(call, dry_run))
    return report


@transaction.atomic
def _purge_call(call: CallPage, dry_run: bool) -> CallPurge:
    applications = Application.objects.select_for_update().filter(call=call)
    attachments = Attachment.objects.filter(application__call=call)
    files = attachments.aggregate(count=Count("pk"), size=Coalesce(Sum("size"), 0))
    summary = CallPurge(
        page_id=call.pk,
        call_id=call.call_id or "",
        title=call.title,
        ended_at=call.ended_at,
        applications=len(applications),  # evaluates the query, which takes the row locks
        drafts=applications.filter(status=ApplicationStatus.DRAFT).count(),
        attachments=files["count"],
        attachment_bytes=files["size"],
        evaluations=Evaluation.objects.filter(application__call=call).count(),
        status_changes=StatusChange.objects.filter(application__call=call).count(),
    )
    for contributor in _contributors:
        summary.others.update(contributor.purge(call, dry_run))
    if dry_run:
        return summary
    applications.delete()  # cascades; applications.signals removes each file after commit
    logger.info(
        "purged %s applications and %s files of call %s",
        summary.applications,
        summary.attachments,
        summary.call_id or call.pk,
    )
    return summary
