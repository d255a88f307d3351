"""The applicant's question form and the organisation's answer form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

QUESTION_MAX_LENGTH = 2000


class QuestionForm(forms.Form):
    question = forms.CharField(
        label=_("Votre question"),
        max_length=QUESTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": _("Écrivez votre question avant de l'envoyer."),
            "max_length": _(
                "Votre question ne doit pas dépasser %(limit_value)d caractères "
                "(elle en compte %(show_value)d)."
            ),
        },
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Réponse"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "La réponse s'affiche sur la page de l'appel avec la question, sans le nom "
            "de la personne qui l'a posée."
        ),
    )
    publish = forms.BooleanField(
        label=_("Publier la réponse sur la page de l'appel"),
        required=False,
        help_text=_(
            "À la première publication, les personnes qui suivent l'appel et l'auteur de "
            "la question sont prévenus par e-mail. Décochez pour retirer la réponse de la page."
        ),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("publish") and not cleaned.get("answer", "").strip():
            self.add_error("answer", _("Écrivez une réponse avant de la publier."))
        return cleaned


class QuestionFilterForm(forms.Form):
    """The filters of the organisation's list of questions; unknown values mean "all"."""

    state = forms.ChoiceField(
        label=_("État"),
        required=False,
        choices=[
            ("", _("Toutes les questions")),
            ("unanswered", _("Sans réponse")),
            ("answered", _("Répondues")),
            ("published", _("Réponse publiée")),
        ],
    )
    call = forms.TypedChoiceField(label=_("Appel"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, calls: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["call"].choices = [("", _("Tous les appels")), *calls]
