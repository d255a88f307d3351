"""The application form of a call: the standard fields, then the call's own questions.

Nothing is required at the field level, so that a half-filled draft saves; what a
submission needs is decided by ``services.missing_requirements`` and shown next to
each field. Files are checked here (``uploads.check_upload``) and only the accepted
ones are handed to the view, which stores them even when another field has an error.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.models import Application, Attachment, FormQuestion, QuestionKind
from applications.services import REQUIRED_STANDARD_FIELDS, STANDARD_FIELDS
from applications.uploads import ACCEPT_ATTRIBUTE, TYPE_NAMES, CheckedFile, check_upload

# Up to this many choices show as radio buttons; more become a drop-down list.
RADIO_CHOICES_MAX = 5
ATTACHMENTS_FIELD = "attachments"

STANDARD_HELP = {
    "solution_name": gettext_lazy("Le nom sous lequel vous présentez votre solution."),
    "description": gettext_lazy(
        "Ce que fait votre solution et en quoi elle répond au besoin exprimé par l'appel."
    ),
    "maturity": gettext_lazy(
        "Niveau de maturité technologique (TRL) : de 1 (principe observé) à 9 (solution "
        "commercialisée)."
    ),
    "references": gettext_lazy("Clients, expérimentations ou déploiements déjà réalisés."),
    "team": gettext_lazy("Les personnes qui porteront le projet et leurs compétences."),
    "pilot_proposal": gettext_lazy(
        "Le test ou l'expérimentation que vous proposez : périmètre, durée, résultats attendus."
    ),
    "budget_estimate": gettext_lazy("Montant estimé en euros hors taxes, par exemple 25000."),
}


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class UncheckedFileField(forms.FileField):
    """A file input whose uploads the form checks itself (``uploads.check_upload``).

    Django's own checks would repeat ours in other words (an empty file twice).
    """

    def clean(self, data, initial=None):
        return data


class MultipleFileField(UncheckedFileField):
    widget = MultipleFileInput


class ApplicationForm(forms.Form):
    """Bound to one call and one application (its stored files are listed by field)."""

    def __init__(self, *args, call, application: Application, **kwargs):
        kwargs.setdefault("initial", _initial_values(application))
        super().__init__(*args, **kwargs)
        self.call = call
        self.application = application
        self.questions = list(call.form_questions.all())
        self.accepted_files: list[tuple[CheckedFile, FormQuestion | None]] = []

        for name, field in forms.fields_for_model(Application, fields=STANDARD_FIELDS).items():
            field.required = False
            field.help_text = STANDARD_HELP[name]
            field.submission_required = name in REQUIRED_STANDARD_FIELDS
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs.update(rows=6)
            self.fields[name] = field
        for question in self.questions:
            field = question_field(question)
            field.submission_required = question.required
            self.fields[question.field_name] = field
        attachments = MultipleFileField(
            label=_("Autres pièces jointes"),
            required=False,
            help_text=_(
                "Plaquette, étude, lettre de soutien… %(types)s ; %(max)s au plus par fichier, "
                "%(total)s pour l'ensemble de la candidature. Vous pouvez en choisir plusieurs."
            )
            % {
                "types": TYPE_NAMES,
                "max": filesizeformat(settings.APPLICATION_FILE_MAX_BYTES),
                "total": filesizeformat(settings.APPLICATION_TOTAL_MAX_BYTES),
            },
            widget=MultipleFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
        )
        attachments.submission_required = False
        self.fields[ATTACHMENTS_FIELD] = attachments
        self.list_stored_files()

    def list_stored_files(self) -> None:
        """Show each file field with the files already stored (again after new uploads)."""
        stored = list(self.application.attachments.all()) if self.application.pk else []
        for question in self.questions:
            if question.kind == QuestionKind.FILE:
                self.fields[question.field_name].stored_files = [
                    a for a in stored if a.question_id == question.pk
                ]
        self.fields[ATTACHMENTS_FIELD].stored_files = [a for a in stored if a.question_id is None]

    # --- groups for the template -----------------------------------------------------------

    def standard_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in STANDARD_FIELDS]

    def question_fields(self) -> list[forms.BoundField]:
        return [self[question.field_name] for question in self.questions]

    def attachments_field(self) -> forms.BoundField:
        return self[ATTACHMENTS_FIELD]

    # --- cleaning ------------------------------------------------------------------------------

    def clean(self):
        cleaned = super().clean()
        used = self._stored_total()
        for question in self.questions:
            if question.kind == QuestionKind.FILE:
                upload = self.files.get(question.field_name)
                if upload:
                    used = self._accept(upload, question, used)
        for upload in self.files.getlist(ATTACHMENTS_FIELD) if self.files else []:
            used = self._accept(upload, None, used)
        return cleaned

    def _stored_total(self) -> int:
        if not self.application.pk:
            return 0
        replaced = [
            q.pk
            for q in self.questions
            if q.kind == QuestionKind.FILE and self.files.get(q.field_name)
        ]
        stored = Attachment.objects.filter(application=self.application).exclude(
            question_id__in=replaced
        )
        return stored.aggregate(total=Sum("size"))["total"] or 0

    def _accept(self, upload, question: FormQuestion | None, used: int) -> int:
        field_name = question.field_name if question else ATTACHMENTS_FIELD
        try:
            checked = check_upload(upload)
        except ValidationError as error:
            self.add_error(field_name, error)
            return used
        if used + checked.size > settings.APPLICATION_TOTAL_MAX_BYTES:
            self.add_error(
                field_name,
                _(
                    "Le fichier « %(name)s » ferait dépasser %(max)s de pièces jointes pour "
                    "la candidature : retirez ou allégez un fichier."
                )
                % {
                    "name": checked.name,
                    "max": filesizeformat(settings.APPLICATION_TOTAL_MAX_BYTES),
                },
            )
            return used
        self.accepted_files.append((checked, question))
        return used + checked.size

    # --- what the services receive ---------------------------------------------------------

    def valid_standard_fields(self) -> dict:
        """The standard fields that passed validation (all of them on a valid form)."""
        data = getattr(self, "cleaned_data", {})
        return {name: data[name] for name in STANDARD_FIELDS if name in data}

    def valid_answers(self) -> dict:
        """The call's answers that passed validation, as JSON values."""
        data = getattr(self, "cleaned_data", {})
        answers = {}
        for question in self.questions:
            name = question.field_name
            if question.kind != QuestionKind.FILE and name in data:
                answers[name] = _json_value(data[name])
        return answers


def question_field(question: FormQuestion) -> forms.Field:
    """The form field that asks ``question``, by kind."""
    common = {"label": question.label, "help_text": question.help_text, "required": False}
    kind = question.kind
    if kind == QuestionKind.LONG_TEXT:
        return forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 5}), **common)
    if kind == QuestionKind.CHOICE:
        options = [(choice, choice) for choice in question.choice_list]
        if len(options) <= RADIO_CHOICES_MAX:
            return forms.ChoiceField(choices=options, widget=forms.RadioSelect, **common)
        return forms.ChoiceField(choices=[("", _("— Choisir —")), *options], **common)
    if kind == QuestionKind.YES_NO:
        return forms.ChoiceField(
            choices=[("yes", _("Oui")), ("no", _("Non"))], widget=forms.RadioSelect, **common
        )
    if kind == QuestionKind.NUMBER:
        return forms.DecimalField(max_digits=15, decimal_places=2, localize=True, **common)
    if kind == QuestionKind.FILE:
        common["help_text"] = " ".join(
            filter(None, [question.help_text, _("Formats acceptés : %s.") % TYPE_NAMES])
        )
        widget = forms.FileInput(attrs={"accept": ACCEPT_ATTRIBUTE})
        return UncheckedFileField(widget=widget, **common)
    return forms.CharField(max_length=500, **common)


def _json_value(value):
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def _initial_values(application: Application) -> dict:
    initial = {name: getattr(application, name) for name in STANDARD_FIELDS}
    initial.update(application.answers or {})
    return initial
