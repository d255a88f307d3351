"""Applications to calls: the form a call asks, what a company answers, how it is judged."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.models import Orderable

from applications.placeholders import DECISION_PLACEHOLDERS
from applications.storage import attachment_path, get_private_storage


class QuestionKind(models.TextChoices):
    TEXT = "text", _("Texte court")
    LONG_TEXT = "long_text", _("Texte long")
    CHOICE = "choice", _("Choix dans une liste")
    YES_NO = "yes_no", _("Oui / non")
    NUMBER = "number", _("Nombre")
    FILE = "file", _("Fichier joint")


class FormQuestion(Orderable):
    """A question of the call's own, asked after the standard fields of every application."""

    call = ParentalKey("calls.CallPage", on_delete=models.CASCADE, related_name="form_questions")
    label = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("aide"), max_length=500, blank=True)
    kind = models.CharField(
        _("type de réponse"), max_length=20, choices=QuestionKind.choices, default="text"
    )
    choices = models.TextField(
        _("choix proposés"),
        blank=True,
        help_text=_("Pour « Choix dans une liste » : un choix par ligne."),
    )
    required = models.BooleanField(_("réponse obligatoire"), default=True)

    panels = [
        FieldPanel("label"),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("required")]),
        FieldPanel("choices"),
        FieldPanel("help_text"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("question du formulaire")
        verbose_name_plural = _("questions du formulaire")

    def __str__(self) -> str:
        return self.label

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    @property
    def field_name(self) -> str:
        return f"question_{self.pk}"


class EvaluationCriterion(Orderable):
    """A criterion of the call's evaluation grid; each evaluator scores it from 0 to 5."""

    call = ParentalKey(
        "calls.CallPage", on_delete=models.CASCADE, related_name="evaluation_criteria"
    )
    label = models.CharField(_("critère"), max_length=200)
    description = models.CharField(_("précisions"), max_length=500, blank=True)
    weight = models.PositiveSmallIntegerField(
        _("pondération"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Poids du critère dans la note moyenne (1 à 100)."),
    )

    panels = [FieldRowPanel([FieldPanel("label"), FieldPanel("weight")]), FieldPanel("description")]

    class Meta(Orderable.Meta):
        verbose_name = _("critère d'évaluation")
        verbose_name_plural = _("critères d'évaluation")

    def __str__(self) -> str:
        return self.label


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    RECEIVED = "received", _("Reçue")
    ADMISSIBLE = "admissible", _("Recevable")
    INADMISSIBLE = "inadmissible", _("Non recevable")
    SHORTLISTED = "shortlisted", _("Présélectionnée")
    SELECTED = "selected", _("Retenue")
    REJECTED = "rejected", _("Non retenue")
    WITHDRAWN = "withdrawn", _("Retirée")


#: The decisions an evaluator may take from each status.
DECISIONS: dict[str, tuple[str, ...]] = {
    ApplicationStatus.RECEIVED: (ApplicationStatus.ADMISSIBLE, ApplicationStatus.INADMISSIBLE),
    ApplicationStatus.ADMISSIBLE: (ApplicationStatus.SHORTLISTED, ApplicationStatus.REJECTED),
    ApplicationStatus.SHORTLISTED: (ApplicationStatus.SELECTED, ApplicationStatus.REJECTED),
}

#: Statuses in which the issuing organisation sees the application.
SUBMITTED_STATUSES = (
    ApplicationStatus.RECEIVED,
    ApplicationStatus.ADMISSIBLE,
    ApplicationStatus.INADMISSIBLE,
    ApplicationStatus.SHORTLISTED,
    ApplicationStatus.SELECTED,
    ApplicationStatus.REJECTED,
)


class Maturity(models.IntegerChoices):
    TRL1 = 1, _("TRL 1 — principes de base observés")
    TRL2 = 2, _("TRL 2 — concept formulé")
    TRL3 = 3, _("TRL 3 — preuve de concept")
    TRL4 = 4, _("TRL 4 — validation en laboratoire")
    TRL5 = 5, _("TRL 5 — validation en environnement représentatif")
    TRL6 = 6, _("TRL 6 — démonstrateur en environnement représentatif")
    TRL7 = 7, _("TRL 7 — démonstrateur en conditions réelles")
    TRL8 = 8, _("TRL 8 — système complet qualifié")
    TRL9 = 9, _("TRL 9 — solution éprouvée, commercialisée")


class ApplicationQuerySet(models.QuerySet):
    def submitted(self) -> ApplicationQuerySet:
        return self.filter(status__in=SUBMITTED_STATUSES)

    def for_company(self, company) -> ApplicationQuerySet:
        return self.filter(company=company)


class Application(models.Model):
    """One company's answer to one call, from draft to decision.

    ``public_id`` is what URLs carry, so that nobody walks applications by counting.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("référence"), max_length=40, unique=True, null=True, blank=True)
    call = models.ForeignKey(
        "calls.CallPage", on_delete=models.CASCADE, related_name="applications"
    )
    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="applications"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("statut"),
        max_length=20,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
        db_index=True,
    )

    solution_name = models.CharField(_("nom de la solution"), max_length=200, blank=True)
    description = models.TextField(_("description de la solution"), max_length=10000, blank=True)
    maturity = models.PositiveSmallIntegerField(
        _("maturité (TRL)"), choices=Maturity.choices, null=True, blank=True
    )
    references = models.TextField(_("références clients"), max_length=5000, blank=True)
    team = models.TextField(_("équipe"), max_length=5000, blank=True)
    pilot_proposal = models.TextField(_("expérimentation proposée"), max_length=5000, blank=True)
    budget_estimate = models.DecimalField(
        _("budget estimé (€ HT)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    answers = models.JSONField(_("réponses aux questions de l'appel"), default=dict, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("déposée le"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("retirée le"), null=True, blank=True)
    decided_at = models.DateTimeField(_("décision le"), null=True, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("candidature")
        verbose_name_plural = _("candidatures")
        ordering = ["-submitted_at", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["call", "company"], name="one_application_per_company")
        ]

    def __str__(self) -> str:
        return self.reference or f"{self.company} — {self.call}"

    @property
    def is_draft(self) -> bool:
        return self.status == ApplicationStatus.DRAFT

    @property
    def is_submitted(self) -> bool:
        return self.status in SUBMITTED_STATUSES

    @property
    def next_decisions(self) -> tuple[str, ...]:
        return DECISIONS.get(self.status, ())


class Attachment(models.Model):
    """A file joined to an application, either generally or as the answer to a question."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attachments"
    )
    question = models.ForeignKey(
        FormQuestion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(storage=get_private_storage, upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("nom du fichier"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("taille (octets)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class StatusChange(models.Model):
    """The log of an application's life: who moved it, when, why, and whether told."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=20, choices=ApplicationStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ApplicationStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(_("motif"), blank=True)
    notified_at = models.DateTimeField(_("candidat prévenu le"), null=True, blank=True)

    class Meta:
        verbose_name = _("changement de statut")
        verbose_name_plural = _("changements de statut")
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class Evaluation(models.Model):
    """One evaluator's grid for one application."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="evaluations"
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="evaluations"
    )
    comment = models.TextField(_("avis général"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("évaluation")
        verbose_name_plural = _("évaluations")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "evaluator"], name="one_evaluation_per_evaluator"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application} — {self.evaluator}"


class CriterionScore(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(
        EvaluationCriterion, on_delete=models.CASCADE, related_name="scores"
    )
    score = models.PositiveSmallIntegerField(
        _("note"), validators=[MinValueValidator(0), MaxValueValidator(5)]
    )
    comment = models.TextField(_("commentaire"), blank=True)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "criterion"], name="one_score_per_criterion"
            )
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"


class DecisionTemplate(models.Model):
    """The e-mail an organisation sends for one decision; defaults live in the code.

    ``subject`` and ``body`` are texts with ``{name}`` placeholders from
    ``DECISION_PLACEHOLDERS``, filled with plain strings: not templates, since the
    people who write them must not reach other objects through them.
    """

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="decision_templates"
    )
    status = models.CharField(
        _("décision"),
        max_length=20,
        choices=[(s.value, s.label) for s in ApplicationStatus if s in SUBMITTED_STATUSES[1:]],
    )
    subject = models.CharField(
        _("objet"), max_length=200, help_text=DECISION_PLACEHOLDERS.help_text
    )
    body = models.TextField(_("message"), help_text=DECISION_PLACEHOLDERS.help_text)

    panels = [
        FieldPanel("organisation"),
        FieldPanel("status"),
        FieldPanel("subject"),
        FieldPanel("body"),
    ]

    class Meta:
        verbose_name = _("modèle de message de décision")
        verbose_name_plural = _("modèles de messages de décision")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "status"],
                name="one_template_per_decision",
                violation_error_message=_(
                    "Cette organisation a déjà un message pour cette décision : "
                    "modifiez-le depuis la liste des messages."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} — {self.get_status_display()}"

    def clean(self) -> None:
        """Refuse a placeholder outside the list, with the list, before anything is saved."""
        errors = {}
        for name in ("subject", "body"):
            try:
                DECISION_PLACEHOLDERS.validate(getattr(self, name))
            except ValidationError as error:
                errors[name] = error
        if errors:
            raise ValidationError(errors)


class Follow(models.Model):
    """An applicant follows a call to hear about new answers and see it in /espace/."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_calls"
    )
    call = models.ForeignKey("calls.CallPage", on_delete=models.CASCADE, related_name="followers")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("appel suivi")
        verbose_name_plural = _("appels suivis")
        constraints = [models.UniqueConstraint(fields=["user", "call"], name="follow_once")]

    def __str__(self) -> str:
        return f"{self.user} → {self.call}"
