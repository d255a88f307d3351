"""The applicant's pages: apply to a call, follow it, see and withdraw an application.

Every object is looked up through ``applications.permissions``; what is not the
user's answers 404, never 403, so a URL never confirms that something exists.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import applicant_required
from applications.forms import ATTACHMENTS_FIELD, ApplicationForm
from applications.models import Application, ApplicationStatus, Attachment, Follow
from applications.permissions import can_read_attachment, company_applications, company_of
from applications.selectors import answer_rows, dashboard_for
from applications.services import (
    ApplicationError,
    ApplicationIncomplete,
    application_reopen,
    application_save_draft,
    application_start,
    application_submit,
    application_withdraw,
    attachment_add,
    attachment_remove,
    ensure_call_accepts,
)
from applications.throttling import apply_post_allowed, too_many_posts
from calls.models import CallPage

SUBMIT = "submit"


def _live_call(slug: str) -> CallPage:
    return get_object_or_404(CallPage.objects.live().select_related("issuer"), slug=slug)


def _own_application(request: HttpRequest, public_id) -> Application:
    return get_object_or_404(
        company_applications(request.user).select_related("call", "company"),
        public_id=public_id,
    )


# --- Applying -------------------------------------------------------------------------------


@applicant_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, slug: str) -> HttpResponse:
    call = _live_call(slug)
    company = company_of(request.user)
    if company is None:
        messages.info(
            request,
            _(
                "Complétez d'abord le profil de votre entreprise : "
                "les candidatures sont déposées en son nom."
            ),
        )
        return redirect("companies:profile")
    if request.method == "POST" and not apply_post_allowed(request.user):
        return too_many_posts(request)

    application = Application.objects.filter(call=call, company=company).first()
    if application is not None and not application.is_draft:
        return redirect("applications:detail", public_id=application.public_id)
    if request.method == "GET":
        form = ApplicationForm(
            call=call, application=application or Application(call=call, company=company)
        )
        return _render_apply(request, call, form)

    try:
        application = application or application_start(
            call=call, company=company, user=request.user
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(call.url)
    form = ApplicationForm(request.POST, request.FILES, call=call, application=application)
    return _save_and_maybe_submit(request, call, form)


def _save_and_maybe_submit(request: HttpRequest, call: CallPage, form: ApplicationForm):
    """Keep everything valid (fields and files), then submit if asked and possible."""
    form.is_valid()
    removed = request.POST.get("remove_attachment", "")
    try:
        application = _save_draft(request, form, removed)
    except ApplicationError as error:  # a colleague submitted it meanwhile
        messages.error(request, error.message)
        return redirect("applications:detail", public_id=form.application.public_id)

    if request.POST.get("intent") != SUBMIT or removed:
        if form.errors:
            return _render_apply(request, call, form)
        messages.success(request, _("Votre brouillon est enregistré."))
        return redirect("applications:apply", slug=call.slug)
    if form.errors:
        return _render_apply(request, call, form)
    try:
        application = application_submit(application=application, user=request.user)
    except ApplicationIncomplete as incomplete:
        for field_name, message in incomplete.errors.items():
            form.add_error(field_name, message)
        return _render_apply(request, call, form, refusal=incomplete.message)
    except ApplicationError as error:
        return _render_apply(request, call, form, refusal=error.message)
    messages.success(
        request,
        _(
            "Votre candidature est déposée sous la référence %(reference)s. "
            "Un accusé de réception vous a été envoyé par e-mail."
        )
        % {"reference": application.reference},
    )
    return redirect("applications:detail", public_id=application.public_id)


def _save_draft(request: HttpRequest, form: ApplicationForm, removed: str) -> Application:
    application = application_save_draft(
        application=form.application,
        fields=form.valid_standard_fields(),
        answers=form.valid_answers(),
        user=request.user,
    )
    for checked, question in form.accepted_files:
        try:
            attachment_add(
                application=application, checked=checked, question=question, user=request.user
            )
        except ApplicationError as error:
            form.add_error(question.field_name if question else ATTACHMENTS_FIELD, error.message)
    if removed:
        attachment_remove(application=application, attachment_public_id=removed, user=request.user)
    form.list_stored_files()
    return application


def _render_apply(
    request: HttpRequest,
    call: CallPage,
    form: ApplicationForm,
    *,
    refusal: str = "",
) -> HttpResponse:
    try:
        ensure_call_accepts(call)
        closed_notice = ""
    except ApplicationError as error:
        closed_notice = error.message
    return render(
        request,
        "applications/apply.html",
        {
            "call": call,
            "form": form,
            "application": form.application,
            "refusal": refusal,
            "closed_notice": closed_notice,
        },
    )


# --- An application, read-only --------------------------------------------------------------


@require_GET
@applicant_required
def detail(request: HttpRequest, public_id) -> HttpResponse:
    application = _own_application(request, public_id)
    if application.is_draft:
        return redirect("applications:apply", slug=application.call.slug)
    return render(
        request,
        "applications/detail.html",
        {
            "application": application,
            "call": application.call,
            "answers": answer_rows(application),
            "attachments": application.attachments.filter(question__isnull=True),
            "can_withdraw": application.status == ApplicationStatus.RECEIVED
            and application.call.is_open,
            "can_reopen": application.status == ApplicationStatus.WITHDRAWN
            and application.call.is_open,
        },
    )


@applicant_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, public_id) -> HttpResponse:
    """GET asks for confirmation; POST withdraws."""
    application = _own_application(request, public_id)
    if request.method == "POST":
        try:
            application_withdraw(
                application=application,
                user=request.user,
                reason=request.POST.get("reason", "")[:2000],
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Votre candidature est retirée."))
        return redirect("applications:detail", public_id=application.public_id)
    return render(request, "applications/withdraw.html", {"application": application})


@applicant_required
@require_POST
def reopen(request: HttpRequest, public_id) -> HttpResponse:
    application = _own_application(request, public_id)
    try:
        application_reopen(application=application, user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("applications:detail", public_id=application.public_id)
    messages.success(
        request,
        _("Votre candidature est redevenue un brouillon : complétez-la puis déposez-la à nouveau."),
    )
    return redirect("applications:apply", slug=application.call.slug)


@require_GET
@login_required
def attachment_download(request: HttpRequest, public_id, attachment_id) -> FileResponse:
    attachment = (
        Attachment.objects.select_related("application")
        .filter(public_id=attachment_id, application__public_id=public_id)
        .first()
    )
    if attachment is None or not can_read_attachment(request.user, attachment):
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Dashboard and follows ------------------------------------------------------------------


@applicant_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "applications/dashboard.html",
        {"company": company_of(request.user), "dashboard": dashboard_for(request.user)},
    )


@applicant_required
@require_POST
def follow(request: HttpRequest, slug: str) -> HttpResponse:
    """Follow or stop following a call (``action`` = follow | unfollow)."""
    call = _live_call(slug)
    if request.POST.get("action") == "unfollow":
        Follow.objects.filter(user=request.user, call=call).delete()
        messages.success(request, _("Vous ne suivez plus cet appel."))
    else:
        Follow.objects.get_or_create(user=request.user, call=call)
        messages.success(
            request, _("Vous suivez cet appel : il apparaît dans votre espace candidat.")
        )
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = call.url or reverse("applications:dashboard")
    return redirect(next_url)
