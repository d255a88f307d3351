"""Relaying in the Wagtail admin: the administrators' dashboard and "retry now".

The dashboard and the partner switches are for administrators only. "Retry now" is
also for those who may publish the call; to anyone else a delivery does not exist
(404), so that nobody learns about other organisations' calls by trying ids.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from calls.models import CallEvent, CallPage
from syndication.delivery import delivery_retry_now, partner_resume
from syndication.models import Delivery, Partner
from syndication.selectors import (
    RETRYABLE_STATES,
    error_in_words,
    partner_summaries,
    troubled_deliveries,
)


def _require_superuser(request: HttpRequest) -> None:
    if not request.user.is_superuser:
        raise PermissionDenied  # Wagtail answers with its "permission denied"


def _safe_next(request: HttpRequest, fallback: str) -> str:
    """``next`` when it stays on this site, else ``fallback``: never an open redirect."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@require_http_methods(["GET"])
def dashboard(request: HttpRequest) -> HttpResponse:
    _require_superuser(request)
    deliveries = list(troubled_deliveries())
    pages = dict(
        CallPage.objects.filter(call_id__in={d.call_id for d in deliveries}).values_list(
            "call_id", "pk"
        )
    )
    rows = [
        {
            "delivery": delivery,
            "page_id": pages.get(delivery.call_id),
            "error_in_words": error_in_words(delivery, delivery.partner),
        }
        for delivery in deliveries
    ]
    return TemplateResponse(
        request,
        "syndication/admin/dashboard.html",
        {
            "summaries": partner_summaries(),
            "rows": rows,
            "page_title": _("Relais vers les plateformes partenaires"),
            "header_icon": "resubmit",
        },
    )


@require_POST
def partner_toggle(request: HttpRequest, partner_id: int) -> HttpResponse:
    """Switch a partner on or off; the posted value (not a flip) makes a double post harmless."""
    _require_superuser(request)
    partner = get_object_or_404(Partner, pk=partner_id)
    enabled = request.POST.get("enabled") == "1"
    Partner.objects.filter(pk=partner.pk).update(enabled=enabled)
    if enabled:
        messages.success(
            request,
            _(
                "Le relais vers %(partner)s est réactivé. Les appels publiés pendant la "
                "désactivation ne lui sont pas renvoyés d'eux-mêmes : utilisez la commande "
                "« manage.py syndicate » pour les rattraper."
            )
            % {"partner": partner.name},
        )
    else:
        messages.success(
            request,
            _("Le relais vers %(partner)s est désactivé : plus aucun envoi ne part vers elle.")
            % {"partner": partner.name},
        )
    return redirect("syndication_admin:dashboard")


@require_POST
def partner_resume_view(request: HttpRequest, partner_id: int) -> HttpResponse:
    _require_superuser(request)
    partner = get_object_or_404(Partner, pk=partner_id)
    released = partner_resume(partner)
    if released:
        text = ngettext(
            "Le relais vers %(partner)s reprend ; %(count)s envoi bloqué repart.",
            "Le relais vers %(partner)s reprend ; %(count)s envois bloqués repartent.",
            released,
        )
    else:
        text = _("Le relais vers %(partner)s reprend.")
    messages.success(request, text % {"partner": partner.name, "count": released})
    return redirect("syndication_admin:dashboard")


@require_http_methods(["GET", "POST"])
def delivery_retry(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = get_object_or_404(Delivery.objects.select_related("partner"), pk=delivery_id)
    page = CallPage.objects.filter(call_id=delivery.call_id).first()
    user = request.user
    if not (user.is_superuser or (page and page.permissions_for_user(user).can_publish())):
        raise Http404
    if page is not None:
        fallback = reverse("wagtailadmin_pages:edit", args=[page.pk])
    else:
        fallback = reverse("syndication_admin:dashboard")
    next_url = _safe_next(request, fallback)
    if request.method == "POST":
        if delivery_retry_now(delivery):
            messages.success(
                request,
                _("L'envoi de %(call_id)s vers %(partner)s est relancé.")
                % {"call_id": delivery.call_id, "partner": delivery.partner.name},
            )
        else:
            messages.warning(
                request,
                _(
                    "Rien à relancer : cet envoi a déjà abouti, est en cours, ou une version "
                    "plus récente de l'appel l'a remplacé."
                ),
            )
        return redirect(next_url)
    event_labels = dict(CallEvent._meta.get_field("kind").choices)
    return TemplateResponse(
        request,
        "syndication/admin/retry_confirm.html",
        {
            "delivery": delivery,
            "page": page,
            "event_label": event_labels.get(delivery.event_kind, delivery.event_kind),
            "error_in_words": error_in_words(delivery, delivery.partner),
            "retryable": delivery.state in RETRYABLE_STATES,
            "next_url": next_url,
            "page_title": _("Relancer l'envoi"),
            "header_icon": "resubmit",
        },
    )
