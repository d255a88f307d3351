"""GDPR purge: applications leave, with their files, the retention period after their call ends."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.management import call_command

from applications.models import (
    Application,
    ApplicationStatus,
    Attachment,
    CriterionScore,
    Evaluation,
    EvaluationCriterion,
    StatusChange,
)
from applications.purge import applications_purge, months_before
from applications.storage import private_storage
from calls.models import CallPage
from qanda.models import Question
from tests.factories import applicant, create_call, evaluator_of

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
#: "Today" in these tests; the calls below end 23, 25… months before it.
NOW = datetime(2028, 3, 15, 10, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def private_media(tmp_path, settings):
    """The private storage in a fresh folder (applications.storage follows the setting)."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def ended_call(organisation, ended: datetime, how: str = "deadline") -> CallPage:
    """A call that ended at ``ended``: at its deadline, closed early, or withdrawn."""
    if how == "deadline":
        return create_call(organisation, opens_at=ended - timedelta(days=60), closes_at=ended)
    call = create_call(
        organisation, opens_at=ended - timedelta(days=60), closes_at=ended + timedelta(days=90)
    )
    field = "closed_early_at" if how == "early" else "withdrawn_at"
    CallPage.objects.filter(pk=call.pk).update(**{field: ended})
    return call


def application_with_everything(call, *, status=ApplicationStatus.RECEIVED) -> Application:
    """An application with an attachment on disk, an evaluation and a status change."""
    user = applicant()
    application = Application.objects.create(
        call=call,
        company=user.membership.company,
        created_by=user,
        status=status,
        solution_name="Drone de surveillance",
    )
    attachment = Attachment(
        application=application,
        original_name="offre.pdf",
        content_type="application/pdf",
        size=9,
        sha256="0" * 64,
        uploaded_by=user,
    )
    attachment.file.save("offre.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    if status != ApplicationStatus.DRAFT:
        StatusChange.objects.create(
            application=application, from_status="draft", to_status=status, changed_by=user
        )
        criterion = EvaluationCriterion.objects.create(call=call, label="Innovation")
        evaluation = Evaluation.objects.create(
            application=application, evaluator=evaluator_of(call.issuer)
        )
        CriterionScore.objects.create(evaluation=evaluation, criterion=criterion, score=4)
    return application


def file_path(application: Application) -> Path:
    return Path(private_storage.path(application.attachments.get().file.name))


def months_ago(months: int, **delta) -> datetime:
    """Written out by hand (not with the code under test): NOW is the 15th, 10:00."""
    year, month = divmod(NOW.year * 12 + NOW.month - 1 - months, 12)
    return datetime(year, month + 1, 15, 10, 0, tzinfo=PARIS) + timedelta(**delta)


# --- Month arithmetic -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (datetime(2028, 3, 15, 10, 0), 24, datetime(2026, 3, 15, 10, 0)),
        (datetime(2028, 3, 31, 23, 30), 1, datetime(2028, 2, 29, 23, 30)),  # leap year
        (datetime(2027, 3, 31, 8, 0), 13, datetime(2026, 2, 28, 8, 0)),
        (datetime(2028, 1, 10, 9, 0), 2, datetime(2027, 11, 10, 9, 0)),  # across a new year
        (datetime(2028, 7, 1, 12, 0), 6, datetime(2028, 1, 1, 12, 0)),  # summer → winter time
    ],
)
def test_months_before_counts_calendar_months_in_paris_time(moment, months, expected):
    result = months_before(moment.replace(tzinfo=PARIS), months)
    assert result.astimezone(PARIS).replace(tzinfo=None) == expected


# --- The purge ------------------------------------------------------------------------------


def test_an_application_25_months_after_closing_is_purged_with_its_files(
    metropole, django_capture_on_commit_callbacks
):
    old = ended_call(metropole, months_ago(25))
    purged = application_with_everything(old)
    draft = application_with_everything(old, status=ApplicationStatus.DRAFT)
    recent = ended_call(metropole, months_ago(23))
    kept = application_with_everything(recent)
    purged_file, draft_file, kept_file = map(file_path, (purged, draft, kept))
    assert purged_file.exists() and draft_file.exists() and kept_file.exists()

    with django_capture_on_commit_callbacks(execute=True):
        report = applications_purge(now=NOW)

    assert not Application.objects.filter(call=old).exists()
    assert not Attachment.objects.filter(application__call=old).exists()
    assert not Evaluation.objects.filter(application__call=old).exists()
    assert not StatusChange.objects.filter(application__call=old).exists()
    assert not purged_file.exists() and not draft_file.exists()
    assert Application.objects.get() == kept
    assert kept.attachments.count() == 1 and kept.evaluations.count() == 1
    assert kept_file.exists()

    assert report.retention_months == 24
    [summary] = report.calls
    assert (summary.page_id, summary.applications, summary.drafts) == (old.pk, 2, 1)
    assert (summary.attachments, summary.evaluations, summary.status_changes) == (2, 1, 1)


def test_the_boundary_is_the_retention_to_the_minute(metropole):
    just_past = ended_call(metropole, months_ago(24, minutes=-1))
    not_yet = ended_call(metropole, months_ago(24, minutes=1))
    application_with_everything(just_past)
    application_with_everything(not_yet)

    applications_purge(now=NOW)

    assert list(Application.objects.values_list("call_id", flat=True)) == [not_yet.pk]


def test_the_retention_is_configurable(metropole, settings):
    settings.APPLICATION_RETENTION_MONTHS = 6
    application_with_everything(ended_call(metropole, months_ago(7)))
    applications_purge(now=NOW)
    assert not Application.objects.exists()


def test_an_early_closed_call_counts_from_its_closure(metropole):
    early = ended_call(metropole, months_ago(25), how="early")  # deadline only 22 months ago
    application_with_everything(early)

    report = applications_purge(now=NOW)

    assert [c.page_id for c in report.calls] == [early.pk]
    assert not Application.objects.exists()


def test_a_withdrawn_call_counts_from_its_withdrawal(metropole):
    withdrawn = ended_call(metropole, months_ago(25), how="withdrawn")
    recently_withdrawn = create_call(metropole, opens_at=months_ago(30), closes_at=months_ago(26))
    CallPage.objects.filter(pk=recently_withdrawn.pk).update(withdrawn_at=months_ago(1))
    application_with_everything(withdrawn)
    kept = application_with_everything(recently_withdrawn)

    applications_purge(now=NOW)

    assert list(Application.objects.all()) == [kept]


def test_askers_are_forgotten_but_published_answers_stay(metropole):
    old = ended_call(metropole, months_ago(25))
    recent = ended_call(metropole, months_ago(23))
    asker = applicant()
    old_question = Question.objects.create(
        call=old, asked_by=asker, question="Q", answer="R", is_published=True
    )
    recent_question = Question.objects.create(call=recent, asked_by=asker, question="Q2")

    report = applications_purge(now=NOW)

    old_question.refresh_from_db()
    recent_question.refresh_from_db()
    assert old_question.asked_by is None and old_question.answer == "R"
    assert old_question.is_published
    assert recent_question.asked_by == asker
    assert [c.others["askers_forgotten"] for c in report.calls] == [1]


def test_dry_run_deletes_nothing_and_prints_the_counts(metropole):
    old = ended_call(metropole, months_ago(25))
    application = application_with_everything(old)
    application_with_everything(old, status=ApplicationStatus.DRAFT)
    application_with_everything(ended_call(metropole, months_ago(23)))
    out = StringIO()

    with time_machine.travel(NOW, tick=False):
        call_command("purge_applications", "--dry-run", stdout=out)

    output = out.getvalue()
    assert "Durée de conservation : 24 mois" in output
    assert f"{old.call_id} « {old.title} »" in output
    assert "2 candidature(s) à supprimer dont 1 brouillon(s), 2 pièce(s) jointe(s)" in output
    assert "Total : 2 candidature(s) et 2 pièce(s) jointe(s) à supprimer, sur 1 appel(s)." in output
    assert "rien n'a été supprimé" in output
    assert Application.objects.count() == 3
    assert file_path(application).exists()


def test_the_command_purges_and_says_so(metropole, django_capture_on_commit_callbacks):
    old = ended_call(metropole, months_ago(25))
    application = application_with_everything(old)
    path = file_path(application)
    out = StringIO()

    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        call_command("purge_applications", stdout=out)

    assert "1 candidature(s) supprimée(s)" in out.getvalue()
    assert not Application.objects.exists() and not path.exists()


def test_the_daily_task_is_scheduled_and_purges(metropole, django_capture_on_commit_callbacks):
    from applications.tasks import purge_expired_applications

    schedule = django_settings.CELERY_BEAT_SCHEDULE["purge-expired-applications"]
    assert schedule["task"] == purge_expired_applications.name
    assert schedule["schedule"] == timedelta(days=1)
    application_with_everything(ended_call(metropole, months_ago(25)))
    application_with_everything(ended_call(metropole, months_ago(23)))

    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert purge_expired_applications() == 1

    assert Application.objects.count() == 1
