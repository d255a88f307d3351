"""Forms of the calls app: the public filter form and the editors' action forms."""

from __future__ import annotations

from django import forms
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from calls.constants import CallStatus, CallType
from calls.models import CallPage, Sector
from organisations.models import Organisation

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

    def filter(self, calls: QuerySet[CallPage]) -> QuerySet[CallPage]:
        data: dict = {}
        if self.is_bound:
            self.is_valid()  # cleaned_data then holds every field that is valid
            data = self.cleaned_data
        now = timezone.now()
        if data.get("type"):
            calls = calls.filter(call_type=data["type"])
        if data.get("sector"):
            calls = calls.filter(sectors=data["sector"])
        if data.get("issuer"):
            calls = calls.filter(issuer=data["issuer"])
        status = data.get("status")
        if status in dict(PUBLIC_STATUSES):
            calls = calls.with_status(status, now)
        elif status != "all":
            calls = calls.filter(closes_at__gt=now, closed_early_at__isnull=True)
        if status == CallStatus.CLOSED:
            return calls.order_by("-closes_at")
        # Open and upcoming first, by deadline; closed ones after them.
        return calls.annotate(
            is_past=Case(
                When(closes_at__lte=now, then=Value(1)),
                When(closed_early_at__isnull=False, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        ).order_by("is_past", "closes_at")


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_("Ce motif est affiché sur la page publique de l'appel."),
        error_messages={"required": _("Indiquez le motif.")},
    )
