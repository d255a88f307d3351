"""The applicant's account forms; labels and messages in French, addresses lower-cased."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from accounts.services import email_is_taken, normalise_email

#: Shown next to the consent box; its version is ACCOUNT_CONSENT_VERSION.
CONSENT_LABEL = _(
    "J'accepte que mes données soient traitées pour gérer mon compte et mes candidatures, "
    "comme décrit ci-dessus."
)

EMAIL_TAKEN = _(
    "Un compte existe déjà avec cette adresse. Connectez-vous, ou choisissez « Mot de passe "
    "oublié » sur la page de connexion."
)


class SignupForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse e-mail"),
        max_length=150,
        help_text=_("Elle vous servira d'identifiant. Nous y enverrons un lien de vérification."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
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
    password1 = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Au moins 12 caractères, pas uniquement des chiffres, ni trop courant."),
    )
    password2 = forms.CharField(
        label=_("Confirmation du mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    consent = forms.BooleanField(
        label=CONSENT_LABEL,
        error_messages={"required": _("Votre accord est nécessaire pour créer un compte.")},
    )

    def clean_email(self) -> str:
        email = normalise_email(self.cleaned_data["email"])
        if email_is_taken(email):
            raise ValidationError(EMAIL_TAKEN, code="email_taken")
        return email

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("Les deux mots de passe ne correspondent pas."))
        elif password1:
            # The validators compare the password with the names and the address.
            candidate = get_user_model()(
                username=cleaned.get("email", ""),
                email=cleaned.get("email", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(password1, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class LoginForm(AuthenticationForm):
    """Log in with the e-mail address; an address not yet verified is refused."""

    error_messages = {
        "invalid_login": _(
            "Adresse e-mail ou mot de passe incorrect. Vérifiez aussi les majuscules."
        ),
        "inactive": _("Ce compte est désactivé."),
        "unverified": _(
            "Votre adresse e-mail n'est pas encore vérifiée : ouvrez le lien que nous vous "
            "avons envoyé, ou demandez-en un nouveau."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        username.label = _("Adresse e-mail")
        username.widget = forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
        self.fields["password"].label = _("Mot de passe")

    def clean_username(self) -> str:
        return normalise_email(self.cleaned_data.get("username", ""))

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        account = Account.objects.filter(user=user).first()
        if account is not None and not account.is_verified:
            raise ValidationError(self.error_messages["unverified"], code="unverified")


class EmailForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse e-mail"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code à 6 chiffres"),
        max_length=10,
        help_text=_("Le code affiché par votre application d'authentification."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}
        ),
    )


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        label=_("Votre mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(_("Mot de passe incorrect."), code="wrong_password")
        return password
