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


def add_demo_applications(company, user) -> int:
    """The demo company applies to two open calls of the Métropole: one submitted, one draft.

    They go through the same services as the form, so the receipt is sent and the
    evaluators of the Métropole find an application waiting for them.
    """
    from applications.models import Application
    from applications.services import (
        application_save_draft,
        application_start,
        application_submit,
    )

    if Application.objects.filter(company=company).exists():
        return 0
    calls = list(
        CallPage.objects.live()
        .open(timezone.now())
        .filter(issuer__name="Métropole Aix-Marseille-Provence", form_questions__isnull=False)
        .distinct()
        .order_by("closes_at")[:2]
    )
    for number, call in enumerate(calls):
        application = application_start(call=call, company=company, user=user)
        questions = {q.kind: q for q in call.form_questions.all()}
        choice = questions[QuestionKind.CHOICE]
        answers = {
            questions[QuestionKind.YES_NO].field_name: "yes",
            questions[QuestionKind.NUMBER].field_name: "7",
            choice.field_name: choice.choice_list[0],
        }
        application = application_save_draft(
            application=application, fields=DEMO_ANSWERS, answers=answers, user=user
        )
        if number == 0:
            application_submit(application=application, user=user)
    return len(calls)


DEMO_ANSWERS = {
    "solution_name": "Solaris Sense",
    "description": "Des capteurs autonomes sur batterie (CO2, particules fines, température) "
    "et un tableau de bord ouvert, hébergé en France.",
    "maturity": 8,
    "references": "Deux collèges des Bouches-du-Rhône équipés depuis 2025.",
    "team": "Camille Durand (fondatrice, ingénieure), deux techniciens, un développeur.",
    "pilot_proposal": "Équiper dix salles pendant une année scolaire, avec un bilan trimestriel.",
}
