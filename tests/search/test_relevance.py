"""Relevance of the embedded engine on the demo corpus: graded judgments, nDCG@10.

``relevance.json`` holds French queries over the 60 demo calls (``calls/demo``),
each with graded judgments keyed by the calls' ``source_url`` (3: exactly what the
query asks, 2: clearly relevant, 1: partly). They were written by reading the
calls, not the engine's output. The corpus is imported and indexed once for the
module, every query is run the way the search page runs it (all statuses, sorted
by relevance), and the module's tests assert on the scores.

Closed calls rank after open and upcoming ones by design; the judgments ignore
status, so that ordering costs nDCG on queries whose best answers are closed. The
report prints, next to each score, the score of the same hits ordered by relevance
alone, so that cost stays visible.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

import pytest
from django.db import transaction
from django.http import QueryDict
from django.test import override_settings

from calls.models import CallPage
from portal import demo
from portal.structure import ensure_site_structure
from search import indexer
from search.backends.database import DatabaseBackend
from search.params import parse_search_params

JUDGMENTS = json.loads((Path(__file__).parent / "relevance.json").read_text(encoding="utf-8"))
K = 10
MIN_MEAN_NDCG = 0.8
MIN_KIND_NDCG = 0.6
KINDS = sorted({judgment["kind"] for judgment in JUDGMENTS})

# Also makes pytest-django create the test database the module fixture uses.
pytestmark = pytest.mark.django_db


def dcg(grades: list[int]) -> float:
    return sum((2**grade - 1) / math.log2(rank + 1) for rank, grade in enumerate(grades, 1))


def ndcg_at_k(ranked: list[str], relevant: dict[str, int], k: int = K) -> float:
    ideal = dcg(sorted(relevant.values(), reverse=True)[:k])
    return dcg([relevant.get(url, 0) for url in ranked[:k]]) / ideal if ideal else 0.0


def run_query(query: str, urls: dict[str, str]) -> tuple[list[str], list[str]]:
    """The search page's ranking (all statuses, by relevance), and the same hits by score.

    The second ranking ignores the demotion of closed calls: it shows what that
    ordering costs. A page of 100 holds every call, so nothing is cut off.
    """
    params = QueryDict(mutable=True)
    params["q"] = query
    params["page_size"] = "100"
    hits = DatabaseBackend().search(parse_search_params(params, strict=False)).hits
    by_score = sorted(hits, key=lambda hit: -hit.score)
    return [urls[hit.call_id] for hit in hits], [urls[hit.call_id] for hit in by_score]


@pytest.fixture(scope="module")
def evaluation(django_db_setup, django_db_blocker):
    """Import, index and query the demo corpus once; everything is rolled back after.

    ``ensure_site_structure`` is what the ``site_structure`` fixture does; it is
    called directly because that fixture is function-scoped.
    """
    with (
        django_db_blocker.unblock(),
        override_settings(ELASTICSEARCH_URL=""),
        transaction.atomic(),
    ):
        ensure_site_structure()
        demo.load_organisations()
        report = demo.load_demo_calls()
        assert report.ok, report.errors
        assert len(report.created) == 60
        assert indexer.rebuild_index() == 60
        urls = dict(CallPage.objects.values_list("call_id", "source_url"))
        known = set(urls.values())
        rows = []
        for judgment in JUDGMENTS:
            assert set(judgment["relevant"]) <= known, judgment["query"]
            ranked, by_score = run_query(judgment["query"], urls)
            rows.append(
                {
                    **judgment,
                    "ranked": ranked,
                    "ndcg": ndcg_at_k(ranked, judgment["relevant"]),
                    "ndcg_by_score": ndcg_at_k(by_score, judgment["relevant"]),
                }
            )
        transaction.set_rollback(True)
    return rows


def describe(row: dict) -> str:
    grades = [str(row["relevant"].get(url, 0)) for url in row["ranked"][:K]]
    top = " ".join(grades) or "(no hit)"
    missed = sorted(
        url.rsplit("/", 1)[-1] for url in row["relevant"] if url not in row["ranked"][:K]
    )
    return (
        f"  {row['ndcg']:.3f}  [{row['kind']}] {row['query']!r}  top-10 grades: {top}"
        + (f"  missing from top 10: {', '.join(missed)}" if missed else "")
        + f"  (by score alone: {row['ndcg_by_score']:.3f})"
    )


def mean(rows: list[dict], key: str = "ndcg") -> float:
    return sum(row[key] for row in rows) / len(rows)


def test_judgments_are_well_formed():
    assert len(JUDGMENTS) >= 45
    assert len({j["query"] for j in JUDGMENTS}) == len(JUDGMENTS)
    for judgment in JUDGMENTS:
        assert judgment["query"].strip() and judgment["kind"] in KINDS
        assert judgment["relevant"], judgment["query"]
        assert set(judgment["relevant"].values()) <= {1, 2, 3}, judgment["query"]


def test_ndcg_helper():
    relevant = {"a": 3, "b": 1}
    assert ndcg_at_k(["a", "b", "x"], relevant) == pytest.approx(1.0)
    assert ndcg_at_k(["x", "y"], relevant) == 0.0
    assert ndcg_at_k(["b", "a"], relevant) < ndcg_at_k(["a", "x", "b"], relevant) < 1.0


def test_mean_ndcg_at_10(evaluation):
    by_kind = defaultdict(list)
    for row in evaluation:
        by_kind[row["kind"]].append(row)
    worst = sorted(evaluation, key=lambda row: row["ndcg"])[:5]
    kinds = ", ".join(f"{k} {mean(rows):.3f} ({len(rows)})" for k, rows in sorted(by_kind.items()))
    report = "\n".join(
        [
            f"mean nDCG@{K} over {len(evaluation)} queries: {mean(evaluation):.3f}"
            f" (by score alone, closed calls not demoted: {mean(evaluation, 'ndcg_by_score'):.3f})",
            f"per kind: {kinds}",
            "worst queries:",
            *(describe(row) for row in worst),
        ]
    )
    print("\n" + report)
    assert mean(evaluation) >= MIN_MEAN_NDCG, report


@pytest.mark.parametrize("kind", KINDS)
def test_mean_ndcg_per_kind(evaluation, kind):
    rows = sorted((row for row in evaluation if row["kind"] == kind), key=lambda row: row["ndcg"])
    report = f"{kind}: mean nDCG@{K} {mean(rows):.3f}\n" + "\n".join(map(describe, rows))
    print("\n" + report)
    assert mean(rows) >= MIN_KIND_NDCG, report
