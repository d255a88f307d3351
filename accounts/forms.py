"""The applicant's account forms; labels and messages in French.

allauth's own forms do the rest (login, password reset, second factor).
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

#: Shown next to the consent box; its version is ACCOUNT_CONSENT_VERSION.
CONSENT_LABEL = _(
    "J'accepte que mes données soient traitées pour gérer mon compte et mes candidatures, "
    "comme décrit ci-dessus."
)


class SignupExtraForm(forms.Form):
    """What allauth's sign-up form adds to e-mail and password (ACCOUNT_SIGNUP_FORM_CLASS).

    The ``Account`` row with the consent is created by the adapter's ``save_user``.
    """

    first_name = forms.CharField(
        label=_("Prénom"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Nom"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    consent = forms.BooleanField(
        label=CONSENT_LABEL,
        error_messages={"required": _("Votre accord est nécessaire pour créer un compte.")},
    )

    field_order = ["email", "first_name", "last_name", "password1", "password2", "consent"]

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password1")
        if password and not self.has_error("password1"):
            # allauth's check does not know the names: compare the password with them too.
            candidate = get_user_model()(
                username=cleaned.get("email", ""),
                email=cleaned.get("email", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(password, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    def signup(self, request, user) -> None:
        """Required by allauth; the names are saved by the adapter with the user."""


class DeleteAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Je comprends que la suppression est définitive."),
        error_messages={"required": _("Cochez la case pour confirmer la suppression.")},
    )
