"""Forms of the calls app: the public filter form and the editors' action forms."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from calls.constants import CallStatus, CallType
from calls.models import Sector
from organisations.models import Organisation
from search.backends.base import SearchRequest

PUBLIC_STATUSES = [
    (CallStatus.OPEN.value, CallStatus.OPEN.label),
    (CallStatus.UPCOMING.value, CallStatus.UPCOMING.label),
    (CallStatus.CLOSED.value, CallStatus.CLOSED.label),
]


class CallFilterForm(forms.Form):
    """Filters of ``/appels/``; every value is checked, a bad one is simply ignored."""

    type = forms.ChoiceField(
        label=_("Type d'appel"),
        required=False,
        choices=[("", _("Tous les types")), *CallType.choices],
    )
    sector = forms.ModelChoiceField(
        label=_("Filière"),
        required=False,
        queryset=Sector.objects.all(),
        to_field_name="code",
        empty_label=_("Toutes les filières"),
    )
    issuer = forms.ModelChoiceField(
        label=_("Organisation"),
        required=False,
        queryset=Organisation.objects.filter(calls__live=True).distinct(),
        to_field_name="slug",
        empty_label=_("Toutes les organisations"),
    )
    status = forms.ChoiceField(
        label=_("Statut"),
        required=False,
        choices=[("", _("Ouverts et à venir")), *PUBLIC_STATUSES, ("all", _("Tous"))],
    )

    def search_request(self, page: int, page_size: int) -> SearchRequest:
        """The list's filters as a search: ``/appels/`` and ``/recherche/`` share one engine."""
        data: dict = {}
        if self.is_bound:
            self.is_valid()  # cleaned_data then holds every field that is valid
            data = self.cleaned_data
        status = data.get("status") or ""
        if status in dict(PUBLIC_STATUSES):
            statuses: tuple[str, ...] = (status,)
        elif status == "all":
            statuses = ()
        else:
            statuses = (CallStatus.OPEN, CallStatus.UPCOMING)
        return SearchRequest(
            call_types=(data["type"],) if data.get("type") else (),
            sectors=(data["sector"].code,) if data.get("sector") else (),
            issuers=(data["issuer"].slug,) if data.get("issuer") else (),
            statuses=statuses,
            sort="recently_closed" if status == CallStatus.CLOSED else "closing",
            page=page,
            page_size=page_size,
            now=timezone.now(),
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_("Ce motif est affiché sur la page publique de l'appel."),
        error_messages={"required": _("Indiquez le motif.")},
    )
