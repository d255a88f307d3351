"""Demo application forms and an applicant company for ``make run``.

Each open demo call gets a few questions of its own and an evaluation grid taken
from its "Critères d'évaluation" section, so
that a newcomer can apply and evaluate without configuring anything first.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from applications.models import EvaluationCriterion, FormQuestion, QuestionKind
from calls.models import CallPage

DEFAULT_CRITERIA = [
    ("Pertinence de la solution au regard du besoin", 40),
    ("Maturité et capacité à expérimenter", 30),
    ("Coût et modèle économique", 30),
]

DEMO_QUESTIONS = [
    {
        "label": "Votre solution a-t-elle déjà été déployée chez un acheteur public ?",
        "kind": QuestionKind.YES_NO,
        "required": True,
    },
    {
        "label": "Nombre de salariés de l'entreprise",
        "kind": QuestionKind.NUMBER,
        "required": True,
    },
    {
        "label": "Dans quel délai pouvez-vous démarrer l'expérimentation ?",
        "kind": QuestionKind.CHOICE,
        "choices": "Moins d'un mois\nUn à trois mois\nPlus de trois mois",
        "required": True,
    },
    {
        "label": "Plaquette ou présentation de l'offre",
        "kind": QuestionKind.FILE,
        "help_text": "PDF, ODT ou DOCX, 10 Mo au plus.",
        "required": False,
    },
]


def criteria_from_body(call: CallPage) -> list[tuple[str, int]]:
    """The weighted criteria of the call's published "Critères d'évaluation" section."""
    return [
        (criterion["label"][:200], criterion["weight"] or 1)
        for block in call.body
        if block.block_type == "evaluation_criteria"
        for criterion in block.value["criteria"]
    ]


@transaction.atomic
def add_application_form(call: CallPage) -> bool:
    """Give an open call its questions and grid through a published revision, once."""
    if call.form_questions.exists():
        return False
    latest = call.get_latest_revision_as_object()
    latest.form_questions = [FormQuestion(sort_order=i, **q) for i, q in enumerate(DEMO_QUESTIONS)]
    latest.evaluation_criteria = [
        EvaluationCriterion(sort_order=i, label=label, weight=weight)
        for i, (label, weight) in enumerate(criteria_from_body(call) or DEFAULT_CRITERIA)
    ]
    latest.save_revision().publish()
    return True


def add_application_forms() -> int:
    """Forms for every open demo call; returns how many calls got one."""
    now = timezone.now()
    calls = CallPage.objects.live().open(now).exclude(source_url="")
    return sum(add_application_form(call) for call in calls)
