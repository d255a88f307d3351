"""Evaluators' pages in the Wagtail admin, under ``/admin/candidatures/``.

Every view fetches what it shows through ``applications.permissions``: a call of an
organisation the user does not evaluate for, or an application that is not
submitted, does not exist for them (404), so that nobody learns about another
organisation's applications by trying addresses.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from applications import exports
from applications.admin_forms import (
    ApplicationFilterForm,
    DecisionForm,
    EvaluationForm,
)
from applications.decisions import DecisionError, application_decide
from applications.evaluation import (
    ApplicationScores,
    EvaluationError,
    application_scores,
    evaluation_save,
    scores_for,
)
from applications.models import (
    SUBMITTED_STATUSES,
    Application,
    ApplicationStatus,
    Attachment,
    EvaluationCriterion,
)
from applications.permissions import (
    can_read_attachment,
    evaluable_applications,
    evaluated_organisations,
)
from applications.reading import application_answers, call_questions
from applications.services import STANDARD_FIELDS
from calls.models import CallPage
from portal.paging import paginate

PER_PAGE = 50


# --- Fetching what the user may see --------------------------------------------------------


def evaluable_calls(user) -> QuerySet[CallPage]:
    return CallPage.objects.filter(issuer__in=evaluated_organisations(user))


def _call_or_404(request: HttpRequest, call_id: int) -> CallPage:
    return get_object_or_404(evaluable_calls(request.user).select_related("issuer"), pk=call_id)


def _application_or_404(request: HttpRequest, public_id: UUID) -> Application:
    return get_object_or_404(
        evaluable_applications(request.user).select_related("call__issuer", "company"),
        public_id=public_id,
    )


def _breadcrumbs(call: CallPage | None = None, application: Application | None = None):
    items = [
        {"url": reverse("wagtailadmin_home"), "label": _("Tableau de bord")},
        {"url": reverse("applications_admin:calls"), "label": _("Candidatures")},
    ]
    if call is not None:
        items.append(
            {"url": reverse("applications_admin:call", args=[call.pk]), "label": call.title}
        )
    if application is not None:
        items.append({"url": "", "label": application.reference or _("Candidature")})
    return items


def _render(request: HttpRequest, template: str, context: dict, status: int = 200):
    """A page in Wagtail's own frame (``wagtailadmin/generic/base.html`` and its header)."""
    context = {"header_title": context.get("page_title", ""), "header_icon": "form", **context}
    return TemplateResponse(request, template, context, status=status)


# --- Lists -------------------------------------------------------------------------------


@require_GET
def call_list(request: HttpRequest) -> HttpResponse:
    """The calls of the user's organisations that received applications, counted by status."""
    counts = {
        status: Count("applications", filter=Q(applications__status=status))
        for status in SUBMITTED_STATUSES
    }
    calls = (
        evaluable_calls(request.user)
        .filter(applications__status__in=SUBMITTED_STATUSES)
        .distinct()
        .select_related("issuer")
        .annotate(
            total=Count("applications", filter=Q(applications__status__in=SUBMITTED_STATUSES)),
            **{f"count_{status}": count for status, count in counts.items()},
        )
        .order_by("-closes_at", "title")
    )
    rows = [
        {
            "call": call,
            "total": call.total,
            "counts": [getattr(call, f"count_{status}") for status in SUBMITTED_STATUSES],
        }
        for call in calls
    ]
    return _render(
        request,
        "applications/admin/call_list.html",
        {
            "page_title": _("Candidatures"),
            "breadcrumbs_items": _breadcrumbs(),
            "rows": rows,
            "status_labels": [ApplicationStatus(s).label for s in SUBMITTED_STATUSES],
        },
    )


def filtered_applications(
    call: CallPage, user, filters: dict
) -> tuple[list[Application], dict[int, ApplicationScores]]:
    """The call's submitted applications the user may see, filtered and sorted.

    Score filters and sorts apply in Python, where the scores are computed.
    """
    applications = evaluable_applications(user).filter(call=call).select_related("company")
    if search := filters.get("q"):
        applications = applications.filter(
            Q(company__legal_name__icontains=search)
            | Q(solution_name__icontains=search)
            | Q(reference__icontains=search)
        )
    if status := filters.get("status"):
        applications = applications.filter(status=status)
    if size := filters.get("size"):
        applications = applications.filter(company__size=size)
    if sector := filters.get("sector"):
        applications = applications.filter(company__sectors__code=sector)
    applications = list(applications.distinct().order_by("-submitted_at", "-pk"))
    scores = scores_for(applications)
    low, high = filters.get("score_min"), filters.get("score_max")
    if low is not None or high is not None:
        applications = [
            a
            for a in applications
            if (mean := scores[a.pk].mean) is not None
            and (low is None or mean >= low)
            and (high is None or mean <= high)
        ]
    sort = filters.get("sort", "-submitted")
    if sort == "submitted":
        applications.reverse()
    elif sort in ("score", "-score"):
        # Unscored applications last in both directions: they are not "the worst".
        scored = [a for a in applications if scores[a.pk].mean is not None]
        unscored = [a for a in applications if scores[a.pk].mean is None]
        scored.sort(key=lambda a: scores[a.pk].mean, reverse=sort == "-score")
        applications = scored + unscored
    return applications, scores


@require_GET
def call_applications(request: HttpRequest, call_id: int) -> HttpResponse:
    call = _call_or_404(request, call_id)
    form = ApplicationFilterForm(request.GET or None)
    filters = form.valid_filters()
    applications, scores = filtered_applications(call, request.user, filters)
    page = paginate(applications, request.GET.get("p"), PER_PAGE)
    query = request.GET.copy()
    query.pop("p", None)
    return _render(
        request,
        "applications/admin/call_applications.html",
        {
            "page_title": call.title,
            "breadcrumbs_items": _breadcrumbs(call),
            "call": call,
            "form": form,
            "page_obj": page,
            "rows": [{"application": a, "scores": scores[a.pk]} for a in page.object_list],
            "total": len(applications),
            "query": query.urlencode(),
        },
    )


# --- One application ------------------------------------------------------------------------


def _detail(
    request: HttpRequest,
    application: Application,
    *,
    evaluation_form: EvaluationForm | None = None,
    decision_form: DecisionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    call, company = application.call, application.company
    criteria = list(EvaluationCriterion.objects.filter(call=call).order_by("sort_order", "pk"))
    scores = application_scores(application)
    mine = next(
        (e for e in scores.evaluations if e.evaluation.evaluator_id == request.user.pk), None
    )
    if evaluation_form is None:
        evaluation_form = EvaluationForm(
            criteria=criteria, evaluation=mine.evaluation if mine else None
        )
    if decision_form is None:
        decision_form = DecisionForm(application=application)
    attachments = list(application.attachments.select_related("question"))
    return _render(
        request,
        "applications/admin/application_detail.html",
        {
            "page_title": _("Candidature %(reference)s") % {"reference": application.reference},
            "breadcrumbs_items": _breadcrumbs(call, application),
            "application": application,
            "call": call,
            "company": company,
            "sectors": list(company.sectors.all()),
            "standard_answers": _standard_answers(application),
            "answers": application_answers(application, call_questions(call.pk), attachments),
            "general_attachments": [a for a in attachments if a.question_id is None],
            "history": application.status_changes.select_related("changed_by"),
            "criteria": criteria,
            "scores": scores,
            "my_evaluation": mine,
            "other_evaluations": [e for e in scores.evaluations if e is not mine],
            "evaluation_form": evaluation_form,
            "decision_form": decision_form,
        },
        status=status,
    )


def _standard_answers(application: Application) -> list[tuple[str, object]]:
    rows = []
    for name in STANDARD_FIELDS:
        field = Application._meta.get_field(name)
        if name == "maturity":
            value = application.get_maturity_display() if application.maturity else ""
        else:
            value = getattr(application, name)
        rows.append((field.verbose_name, value))
    return rows


@require_GET
def application_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return _detail(request, _application_or_404(request, public_id))


@require_POST
def application_evaluate(request: HttpRequest, public_id: UUID) -> HttpResponse:
    application = _application_or_404(request, public_id)
    criteria = list(
        EvaluationCriterion.objects.filter(call=application.call).order_by("sort_order", "pk")
    )
    form = EvaluationForm(request.POST, criteria=criteria)
    if form.is_valid():
        try:
            evaluation_save(
                application,
                request.user,
                form.score_inputs(),
                form.cleaned_data["comment"],
            )
        except EvaluationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Votre évaluation est enregistrée."))
            return redirect(
                reverse("applications_admin:detail", args=[application.public_id]) + "#evaluation"
            )
    return _detail(request, application, evaluation_form=form, status=400)


@require_POST
def application_decide_view(request: HttpRequest, public_id: UUID) -> HttpResponse:
    application = _application_or_404(request, public_id)
    form = DecisionForm(request.POST, application=application)
    if form.is_valid():
        try:
            application_decide(
                application,
                decision=form.cleaned_data["decision"],
                user=request.user,
                reason=form.cleaned_data["reason"],
                notify=form.cleaned_data["notify"],
            )
        except DecisionError as error:
            form.add_error(None, str(error))
        else:
            text = _("La candidature %(reference)s est désormais « %(status)s ».") % {
                "reference": application.reference,
                "status": application.get_status_display(),
            }
            if form.cleaned_data["notify"]:
                # Sent after commit: the history shows whether it left (notified_at).
                text += " " + _(
                    "Un e-mail part au candidat ; l'historique indique s'il est bien parti."
                )
            messages.success(request, text)
            return redirect("applications_admin:detail", application.public_id)
    return _detail(request, application, decision_form=form, status=400)


@require_GET
def attachment_download(request: HttpRequest, public_id: UUID, attachment_id: UUID) -> HttpResponse:
    application = _application_or_404(request, public_id)
    attachment = get_object_or_404(
        Attachment.objects.select_related("application"),
        public_id=attachment_id,
        application=application,
    )
    if not can_read_attachment(request.user, attachment):
        raise Http404
    try:
        file = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(
        file,
        as_attachment=True,
        filename=exports.safe_filename(attachment.original_name),
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Exports ---------------------------------------------------------------------------------


def _download(file, filename: str, content_type: str) -> FileResponse:
    response = FileResponse(file, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def export_csv(request: HttpRequest, call_id: int) -> HttpResponse:
    call = _call_or_404(request, call_id)
    return _download(
        exports.csv_file(call), exports.export_filename(call, "csv"), "text/csv; charset=utf-8"
    )


@require_GET
def export_xlsx(request: HttpRequest, call_id: int) -> HttpResponse:
    call = _call_or_404(request, call_id)
    return _download(
        exports.xlsx_file(call),
        exports.export_filename(call, "xlsx"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@require_GET
def export_attachments(request: HttpRequest, call_id: int) -> HttpResponse:
    call = _call_or_404(request, call_id)
    return _download(
        exports.attachments_zip(call),
        exports.export_filename(call, "zip").replace("candidatures-", "pieces-"),
        "application/zip",
    )
