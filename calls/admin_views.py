"""Editors' lifecycle actions in the Wagtail admin: close a call early, withdraw it.

Both need the right to publish the call (an organisation's reviewers, and
administrators); the work itself is done by ``calls.lifecycle``.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from calls import lifecycle
from calls.forms import ReasonForm
from calls.models import CallPage

ACTIONS = {
    "close": {
        "service": lifecycle.call_close,
        "title": _("Clôturer l'appel avant la date limite"),
        "explanation": _(
            "Les candidatures seront refusées dès maintenant. L'appel reste visible, "
            "marqué comme clôturé, avec le motif que vous indiquez."
        ),
        "submit": _("Clôturer l'appel"),
        "done": _("L'appel « %(title)s » est clôturé."),
        "not_live": _("Seul un appel publié peut être clôturé."),
    },
    "withdraw": {
        "service": lifecycle.call_withdraw,
        "title": _("Retirer l'appel"),
        "explanation": _(
            "L'appel est annulé : il disparaît des listes et des plateformes partenaires. "
            "Sa page indique qu'il a été retiré, avec le motif que vous indiquez."
        ),
        "submit": _("Retirer l'appel"),
        "done": _("L'appel « %(title)s » est retiré."),
        "not_live": _("Seul un appel publié peut être retiré."),
    },
}


def call_action(request: HttpRequest, page_id: int, action: str) -> HttpResponse:
    call = get_object_or_404(CallPage, pk=page_id)
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    if not call.permissions_for_user(request.user).can_publish():
        raise PermissionDenied
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not call.live:
            # The buttons are offered on published calls only; a draft "withdrawn" by a
            # crafted request would stay hidden, without any event, once published.
            form.add_error(None, spec["not_live"])
        else:
            try:
                spec["service"](call, reason=form.cleaned_data["reason"])
            except lifecycle.CallActionError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, spec["done"] % {"title": call.title})
                return redirect(reverse("wagtailadmin_pages:edit", args=[call.pk]))
    return TemplateResponse(
        request,
        "calls/admin/call_action.html",
        {
            "call": call,
            "form": form,
            "spec": spec,
            "page_title": spec["title"],
            "header_icon": "warning",
        },
    )
