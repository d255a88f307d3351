"""Scoring applications: evaluators' grids and the figures drawn from them.

Each evaluator gives every criterion of the call a score from 0 to 5; an evaluation's
result is the average of its scores weighted by the criteria's weights. Across
evaluators, an application shows the mean of those results and how far they spread
(max − min and the standard deviation), so that a committee sees where it disagrees.

The figures are computed in Python from one query per set of applications rather
than in SQL: the mean of weighted averages is a two-level aggregate, and a call
receives at most a few hundred applications.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from applications.models import (
    Application,
    CriterionScore,
    Evaluation,
    EvaluationCriterion,
)

MIN_SCORE, MAX_SCORE = 0, 5


class EvaluationError(Exception):
    """An evaluation the rules refuse; the message is French and shown to the evaluator."""


@dataclass(frozen=True)
class ScoreInput:
    score: int
    comment: str = ""


@dataclass
class EvaluationSummary:
    """One evaluator's grid: their scores by criterion id and its weighted average."""

    evaluation: Evaluation
    scores: dict[int, CriterionScore] = field(default_factory=dict)
    weighted_average: float | None = None


@dataclass
class ApplicationScores:
    """What all evaluators said about one application."""

    evaluations: list[EvaluationSummary] = field(default_factory=list)
    criterion_means: dict[int, float] = field(default_factory=dict)

    @property
    def averages(self) -> list[float]:
        return [e.weighted_average for e in self.evaluations if e.weighted_average is not None]

    @property
    def count(self) -> int:
        return len(self.averages)

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.averages) if self.averages else None

    @property
    def range(self) -> float | None:
        """The spread as max − min: "two evaluators are 2 points apart"."""
        return max(self.averages) - min(self.averages) if self.averages else None

    @property
    def stdev(self) -> float | None:
        """Population standard deviation: the evaluators are the whole population here."""
        return statistics.pstdev(self.averages) if self.averages else None


def weighted_average(scores: Iterable[tuple[int, int]]) -> float | None:
    """The average of ``(score, weight)`` pairs weighted by weight; None without scores."""
    pairs = list(scores)
    total_weight = sum(weight for _score, weight in pairs)
    if not total_weight:
        return None
    return sum(score * weight for score, weight in pairs) / total_weight


def scores_for(applications: Iterable[Application]) -> dict[int, ApplicationScores]:
    """The scores of each application (by pk), from one query on the scores."""
    ids = [a.pk for a in applications]
    result: dict[int, ApplicationScores] = {pk: ApplicationScores() for pk in ids}
    evaluations: dict[int, EvaluationSummary] = {}
    for evaluation in (
        Evaluation.objects.filter(application_id__in=ids)
        .select_related("evaluator")
        .order_by("created_at", "pk")
    ):
        summary = EvaluationSummary(evaluation)
        evaluations[evaluation.pk] = summary
        result[evaluation.application_id].evaluations.append(summary)
    by_criterion: dict[tuple[int, int], list[int]] = defaultdict(list)
    for score in CriterionScore.objects.filter(evaluation_id__in=evaluations).select_related(
        "criterion"
    ):
        summary = evaluations[score.evaluation_id]
        summary.scores[score.criterion_id] = score
        by_criterion[(summary.evaluation.application_id, score.criterion_id)].append(score.score)
    for summary in evaluations.values():
        summary.weighted_average = weighted_average(
            (s.score, s.criterion.weight) for s in summary.scores.values()
        )
    for (application_id, criterion_id), values in by_criterion.items():
        result[application_id].criterion_means[criterion_id] = statistics.fmean(values)
    return result


def application_scores(application: Application) -> ApplicationScores:
    return scores_for([application])[application.pk]


@transaction.atomic
def evaluation_save(
    application: Application,
    evaluator: AbstractBaseUser,
    scores: Mapping[int, ScoreInput],
    comment: str = "",
) -> Evaluation:
    """Create or replace ``evaluator``'s grid for ``application``.

    Every criterion of the call must be scored: a partial grid would weigh the
    evaluator's average on fewer criteria than the others'.
    """
    application = Application.objects.select_for_update().get(pk=application.pk)
    if not application.is_submitted:
        raise EvaluationError(_("Cette candidature n'est plus soumise à l'évaluation."))
    criteria = {c.pk: c for c in EvaluationCriterion.objects.filter(call_id=application.call_id)}
    if not criteria:
        raise EvaluationError(_("L'appel n'a pas de critère d'évaluation."))
    if set(scores) != set(criteria):
        raise EvaluationError(_("Notez chacun des critères de l'appel, et eux seuls."))
    for value in scores.values():
        if not MIN_SCORE <= value.score <= MAX_SCORE:
            raise EvaluationError(_("Chaque note doit être comprise entre 0 et 5."))
    evaluation, _created = Evaluation.objects.update_or_create(
        application=application, evaluator=evaluator, defaults={"comment": comment}
    )
    for criterion_id, value in scores.items():
        CriterionScore.objects.update_or_create(
            evaluation=evaluation,
            criterion=criteria[criterion_id],
            defaults={"score": value.score, "comment": value.comment},
        )
    return evaluation
