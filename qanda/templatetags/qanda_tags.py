"""``{% call_questions page as qa %}``: what the Q&A section of a call page shows.

A template tag rather than ``CallPage.get_context``, so that the calls app does not
depend on the Q&A.
"""

from __future__ import annotations

from django import template
from django.urls import reverse

from qanda.forms import QuestionForm
from qanda.links import applicant_login_url
from qanda.selectors import published_questions
from qanda.services import accepts_questions, is_verified_applicant

register = template.Library()


@register.simple_tag(takes_context=True)
def call_questions(context, call) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    is_open = call.pk is not None and accepts_questions(call)
    path = request.path if request is not None else ""
    return {
        "questions": list(published_questions(call)),
        "is_open": is_open,
        "is_visitor": user is None or not user.is_authenticated,
        "can_ask": is_open and user is not None and is_verified_applicant(user),
        "ask_url": reverse("qanda:ask", args=[call.slug]) if call.slug else "",
        "login_url": applicant_login_url(path),
        "form": QuestionForm(),
    }
