"""The evaluators' forms in the Wagtail admin: list filters, evaluation grid, decision,
and the organisation's decision e-mail templates.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from applications.decisions import decision_choices
from applications.evaluation import MAX_SCORE, MIN_SCORE, ScoreInput
from applications.models import (
    SUBMITTED_STATUSES,
    Application,
    ApplicationStatus,
    DecisionTemplate,
    Evaluation,
    EvaluationCriterion,
)
from applications.permissions import evaluated_organisations
from calls.models import Sector
from companies.models import CompanySize


class AccessibleErrorsMixin:
    """Tie each field's error and help text to its input with ``aria-describedby``.

    Wagtail's field template links the help text only; the error message ids used
    here are those of ``applications/admin/field.html``.
    """

    def full_clean(self) -> None:
        super().full_clean()
        for name, field in self.fields.items():
            bound = self[name]
            described_by = []
            if bound.errors:
                field.widget.attrs["aria-invalid"] = "true"
                described_by.append(f"{bound.auto_id}-error")
            if field.help_text:
                described_by.append(f"{bound.auto_id}-help")
            if described_by:
                field.widget.attrs["aria-describedby"] = " ".join(described_by)


SORTS = {
    "-submitted": _("Dépôt le plus récent d'abord"),
    "submitted": _("Dépôt le plus ancien d'abord"),
    "-score": _("Meilleure note d'abord"),
    "score": _("Moins bonne note d'abord"),
}


class ApplicationFilterForm(AccessibleErrorsMixin, forms.Form):
    """The filters of a call's list; an invalid value is reported and then ignored."""

    q = forms.CharField(
        label=_("Rechercher"),
        required=False,
        max_length=100,
        help_text=_("Raison sociale, nom de la solution ou référence."),
    )
    status = forms.ChoiceField(label=_("Statut"), required=False)
    size = forms.ChoiceField(
        label=_("Taille de l'entreprise"),
        required=False,
        choices=[("", _("Toutes")), *CompanySize.choices],
    )
    sector = forms.ChoiceField(label=_("Filière"), required=False)
    score_min = forms.DecimalField(
        label=_("Note moyenne minimale"),
        required=False,
        min_value=Decimal(MIN_SCORE),
        max_value=Decimal(MAX_SCORE),
        decimal_places=2,
    )
    score_max = forms.DecimalField(
        label=_("Note moyenne maximale"),
        required=False,
        min_value=Decimal(MIN_SCORE),
        max_value=Decimal(MAX_SCORE),
        decimal_places=2,
    )
    sort = forms.ChoiceField(label=_("Trier par"), required=False, choices=list(SORTS.items()))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            ("", _("Tous")),
            *((s, ApplicationStatus(s).label) for s in SUBMITTED_STATUSES),
        ]
        self.fields["sector"].choices = [
            ("", _("Toutes")),
            *Sector.objects.values_list("code", "label"),
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        low, high = cleaned.get("score_min"), cleaned.get("score_max")
        if low is not None and high is not None and low > high:
            self.add_error(
                "score_max", _("La note maximale doit être supérieure ou égale à la minimale.")
            )
        return cleaned

    def valid_filters(self) -> dict:
        """The values that passed validation; the others are left out of the query."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if value not in (None, "") and name not in self.errors
        }


SCORE_CHOICES = [(str(n), str(n)) for n in range(MIN_SCORE, MAX_SCORE + 1)]


class EvaluationForm(AccessibleErrorsMixin, forms.Form):
    """One evaluator's grid: a score from 0 to 5 and a comment per criterion."""

    comment = forms.CharField(
        label=_("Avis général"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(
        self,
        *args,
        criteria: list[EvaluationCriterion],
        evaluation: Evaluation | None = None,
        **kwargs,
    ) -> None:
        initial = kwargs.setdefault("initial", {})
        if evaluation is not None:
            initial["comment"] = evaluation.comment
            for score in evaluation.scores.all():
                initial[f"score_{score.criterion_id}"] = str(score.score)
                initial[f"comment_{score.criterion_id}"] = score.comment
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"score_{criterion.pk}"] = forms.ChoiceField(
                label=_("Note"),
                choices=SCORE_CHOICES,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Donnez une note de 0 à 5 à ce critère."),
                    "invalid_choice": _("La note doit être un nombre entier de 0 à 5."),
                },
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=_("Commentaire"),
                required=False,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        # The general comment comes after the grid.
        self.order_fields([*(f for f in self.fields if f != "comment"), "comment"])

    @property
    def rows(self) -> list[tuple[EvaluationCriterion, forms.BoundField, forms.BoundField]]:
        return [(c, self[f"score_{c.pk}"], self[f"comment_{c.pk}"]) for c in self.criteria]

    def score_inputs(self) -> dict[int, ScoreInput]:
        return {
            c.pk: ScoreInput(
                int(self.cleaned_data[f"score_{c.pk}"]), self.cleaned_data[f"comment_{c.pk}"]
            )
            for c in self.criteria
        }


class DecisionForm(AccessibleErrorsMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Décision"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choisissez une décision."),
            "invalid_choice": _("Cette décision n'est pas possible depuis le statut actuel."),
        },
    )
    reason = forms.CharField(
        label=_("Motif"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Conservé dans l'historique ; il figure dans le message au candidat si vous le "
            "prévenez."
        ),
        error_messages={"required": _("Indiquez le motif de la décision.")},
    )
    notify = forms.BooleanField(label=_("Prévenir le candidat par e-mail"), required=False)

    def __init__(self, *args, application: Application, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = decision_choices(application)


class DecisionTemplateForm(WagtailAdminModelForm):
    """An organisation's template: only for the organisations the user evaluates for.

    The placeholders are checked by ``DecisionTemplate.clean``, which the form runs;
    their list is the fields' help text.
    """

    class Meta:
        model = DecisionTemplate
        fields = ["organisation", "status", "subject", "body"]

    def __init__(self, *args, for_user: AbstractBaseUser | None = None, **kwargs) -> None:
        super().__init__(*args, for_user=for_user, **kwargs)
        organisations = evaluated_organisations(for_user) if for_user else None
        if organisations is not None:
            self.fields["organisation"].queryset = organisations.order_by("name")
