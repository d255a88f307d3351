"""Organisation side of the Q&A in the Wagtail admin: the list of questions and the answer.

Each person sees the questions on the calls of the organisations they belong to
(editors, reviewers, evaluators); another organisation's question does not exist for
them (404), so that nobody learns about it by trying ids.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from calls.models import CallPage
from calls.snapshots import public_url
from portal.paging import paginate
from qanda.forms import AnswerForm, QuestionFilterForm
from qanda.selectors import (
    answerable_questions,
    answering_organisations,
    can_answer_questions,
    filter_questions,
)
from qanda.services import QuestionError, question_answer

PAGE_SIZE = 50


def _require_answerer(request: HttpRequest) -> None:
    if not can_answer_questions(request.user):
        raise PermissionDenied  # Wagtail answers with its "permission denied"


@require_http_methods(["GET"])
def question_list(request: HttpRequest) -> HttpResponse:
    _require_answerer(request)
    questions = answerable_questions(request.user)
    calls = (
        CallPage.objects.filter(
            issuer__in=answering_organisations(request.user), applicant_questions__isnull=False
        )
        .distinct()
        .order_by("title")
        .values_list("pk", "title")
    )
    form = QuestionFilterForm(request.GET, calls=list(calls))
    form.is_valid()  # an unknown value (another organisation's call) filters nothing
    questions = filter_questions(questions, form.cleaned_data.get("state", ""))
    if form.cleaned_data.get("call"):
        questions = questions.filter(call_id=form.cleaned_data["call"])
    page = paginate(questions, request.GET.get("page"), PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    return TemplateResponse(
        request,
        "qanda/admin/question_list.html",
        {
            "filter_form": form,
            "questions_page": page,
            "query": query.urlencode(),
            "page_title": _("Questions des candidats"),
        },
    )


@require_http_methods(["GET", "POST"])
def question_answer_view(request: HttpRequest, question_id: int) -> HttpResponse:
    question = get_object_or_404(answerable_questions(request.user), pk=question_id)
    initial = {"answer": question.answer, "publish": question.is_published}
    form = AnswerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        was_published = question.is_published
        try:
            question = question_answer(
                question,
                request.user,
                form.cleaned_data["answer"],
                publish=form.cleaned_data["publish"],
            )
        except QuestionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _answer_message(was_published, question.is_published))
            return redirect("qanda_admin:list")
    return TemplateResponse(
        request,
        "qanda/admin/question_answer.html",
        {
            "question": question,
            "call_url": public_url(question.call),
            "form": form,
            "page_title": _("Répondre à une question"),
        },
    )


def _answer_message(was_published: bool, is_published: bool) -> str:
    if is_published and not was_published:
        return _(
            "La réponse est publiée sur la page de l'appel ; les personnes qui suivent "
            "l'appel et l'auteur de la question en sont prévenus par e-mail."
        )
    if is_published:
        return _("La réponse publiée a été mise à jour.")
    if was_published:
        return _("La réponse n'est plus affichée sur la page de l'appel.")
    return _("La réponse est enregistrée ; elle n'est pas publiée.")
