"""The company profile and invitation forms."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from calls.models import Sector
from companies.models import Company, CompanySize
from organisations.validators import normalise_siret, validate_siret

SIRET_TAKEN = _(
    "Cette entreprise a déjà un compte sur la plateforme. Pour agir en son nom, demandez à "
    "l'un de ses membres de vous inviter depuis la page « Mon entreprise »."
)


class CompanyForm(forms.ModelForm):
    size = forms.ChoiceField(
        label=_("Taille"), choices=CompanySize.choices, widget=forms.RadioSelect
    )
    # Longer than the 14 digits: people type "732 829 320 00074".
    siret = forms.CharField(
        label=_("SIRET"),
        max_length=20,
        help_text=_("14 chiffres ; les espaces sont acceptés."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 20}),
    )
    sectors = forms.ModelMultipleChoiceField(
        label=_("Filières"),
        queryset=Sector.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Les filières dans lesquelles votre entreprise propose des solutions."),
    )

    class Meta:
        model = Company
        fields = [
            "legal_name",
            "siret",
            "size",
            "sectors",
            "commune",
            "departement",
            "website",
            "pitch",
        ]
        widgets = {
            "legal_name": forms.TextInput(attrs={"autocomplete": "organization"}),
            "departement": forms.TextInput(attrs={"size": 4}),
            "website": forms.URLInput(attrs={"autocomplete": "url"}),
            "pitch": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if not field.required:
                field.label = _("%(label)s (facultatif)") % {"label": field.label}

    def clean_siret(self) -> str:
        siret = normalise_siret(self.cleaned_data["siret"])
        validate_siret(siret)
        others = Company.objects.filter(siret=siret).exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError(SIRET_TAKEN, code="siret_taken")
        return siret

    def clean_departement(self) -> str:
        return self.cleaned_data["departement"].strip().upper()

    def clean_commune(self) -> str:
        return self.cleaned_data["commune"].strip()


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse e-mail de votre collègue"),
        max_length=150,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
