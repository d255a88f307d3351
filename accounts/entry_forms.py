"""allauth's sign-up and login forms with the portal's French labels (ACCOUNT_FORMS).

Apart from accounts.forms, which allauth imports while building its own sign-up form
(ACCOUNT_SIGNUP_FORM_CLASS): subclassing that form there would be a circular import.
"""

from __future__ import annotations

from allauth.account import forms as allauth_forms
from django.utils.translation import gettext_lazy as _


class SignupForm(allauth_forms.SignupForm):
    """allauth's sign-up form with the portal's French labels (ACCOUNT_FORMS["signup"])."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        email = self.fields["email"]
        email.label = _("Adresse e-mail")
        email.help_text = _(
            "Elle vous servira d'identifiant. Nous y enverrons un lien de vérification."
        )
        email.widget.attrs.pop("placeholder", None)
        self.fields["password1"].label = _("Mot de passe")
        self.fields["password1"].help_text = _(
            "Au moins 12 caractères, pas uniquement des chiffres, ni trop courant."
        )
        self.fields["password2"].label = _("Confirmation du mot de passe")
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)


class LoginForm(allauth_forms.LoginForm):
    """allauth's login form with the portal's labels (ACCOUNT_FORMS["login"])."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Adresse e-mail (ou identifiant du personnel)")
        self.fields["password"].label = _("Mot de passe")
        self.fields["password"].help_text = ""
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)
