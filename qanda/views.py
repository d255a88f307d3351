"""Public side of the Q&A: a logged-in applicant asks a question about an open call."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from calls.models import CallPage
from calls.snapshots import public_url
from qanda.forms import QuestionForm
from qanda.links import applicant_login_path
from qanda.services import QuestionError, QuestionRateLimited, ask_refusal, question_ask

RATE_LIMIT_RETRY_AFTER_SECONDS = 3600


@require_http_methods(["GET", "POST"])
def question_ask_view(request: HttpRequest, slug: str) -> HttpResponse:
    """The call page holds the form; this page shows it again with errors, or why not."""
    call = get_object_or_404(CallPage.objects.live().select_related("issuer"), slug=slug)
    if not request.user.is_authenticated:
        return redirect_to_login(request.path, applicant_login_path())
    refusal = ask_refusal(call, request.user)
    form = QuestionForm(request.POST if request.method == "POST" and not refusal else None)
    status = 403 if refusal and request.method == "POST" else 200
    if form.is_bound and form.is_valid():
        try:
            question_ask(call, request.user, form.cleaned_data["question"])
        except QuestionRateLimited as error:
            return _rate_limited(request, call, str(error))
        except QuestionError as error:  # the call closed between the check and the save
            refusal, status = str(error), 403
        else:
            messages.success(
                request,
                _(
                    "Votre question a été transmise à l'organisation qui porte l'appel. "
                    "Si elle y répond publiquement, la réponse paraîtra sur cette page, "
                    "sans votre nom, et vous en serez prévenu par e-mail."
                ),
            )
            return redirect(_call_path(call) + "#questions-candidats")
    context = {"call": call, "call_path": _call_path(call), "form": form, "refusal": refusal}
    return render(request, "qanda/ask.html", context, status=status)


def _call_path(call: CallPage) -> str:
    return call.get_url() or public_url(call)


def _rate_limited(request: HttpRequest, call: CallPage, message: str) -> HttpResponse:
    context = {"call": call, "call_path": _call_path(call), "message": message}
    response = render(request, "qanda/rate_limited.html", context, status=429)
    response["Retry-After"] = str(RATE_LIMIT_RETRY_AFTER_SECONDS)
    return response
