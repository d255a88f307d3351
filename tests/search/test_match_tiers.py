"""PostgreSQL's match tiers (migration 0008): every call in exactly one tier, same answers.

Calls closed before the horizon live in the settled tier, the others in the hot tier;
``settle()`` moves calls across as time passes. Whatever the tier, a search must
give the same hits, scores, highlights and facets, including a search made "in the
past" (``now`` before the horizon), when settled calls were still open.
"""

from dataclasses import asdict, replace
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from search.backends.base import CallDocument, SearchRequest
from search.backends.database import (
    DatabaseBackend,
    _lone_lexemes,
    refresh_common_words,
    refresh_ranked_words,
    settle,
)
from search.models import (
    CommonWord,
    FacetKey,
    HotEntry,
    HotWordRank,
    RankedWord,
    SearchEntry,
    SettledEntry,
    SettledWordCount,
)

pytestmark = pytest.mark.django_db

TOPICS = [
    ("Capteurs pour la qualité de l'air", "Mesurer la pollution près des écoles."),
    ("Énergie solaire sur les toits", "Panneaux photovoltaïques pour les bâtiments publics."),
    ("Drones d'inspection du port", "Inspecter les digues et les quais par drone."),
    ("Logistique hospitalière", "Suivre les équipements de l'hôpital et des patients."),
]


def document(n: int, closes_in_days: float, **changes) -> CallDocument:
    now = timezone.now()
    title, summary = TOPICS[n % len(TOPICS)]
    doc = CallDocument(
        call_id=f"AMP-2026-{n:04d}",
        version=1,
        title=f"{title} n° {n}",
        summary=summary,
        body="Contexte du territoire. " + summary * (1 + n % 3),
        keywords=["innovation"],
        call_type=("solutions", "ami", "challenge")[n % 3],
        issuer=("Métropole", "CCI")[n % 2],
        issuer_slug=("metropole", "cci")[n % 2],
        sectors=[("sante", "energie_environnement", "maritime_logistique")[n % 3]],
        location="Marseille",
        url=f"/appels/{n}/",
        opens_at=now + timedelta(days=closes_in_days - 60),
        closes_at=now + timedelta(days=closes_in_days),
        closed_early=False,
        published_at=now + timedelta(days=closes_in_days - 61),
    )
    return replace(doc, **changes)


def corpus() -> list[CallDocument]:
    """Calls closed long ago, recently, closing soon and later, one closed early."""
    days = [-400, -200, -30, -2, -0.01, 0.5, 3, 10, 25, 45, 90, 200]
    docs = [document(n, d) for n, d in enumerate(days)]
    docs.append(document(len(days), 40, closed_early=True))
    return docs


REQUESTS = [
    SearchRequest(),
    SearchRequest(statuses=("open",)),
    SearchRequest(statuses=("closed",), sort="closing"),
    SearchRequest(query="capteurs pollution"),
    SearchRequest(query="énergie", page=2, page_size=1),
    SearchRequest(query="innovation", page_size=5),
    SearchRequest(query="innovation", page=3, page_size=5),
    SearchRequest(query="hôpital", sort="newest"),
    SearchRequest(query="drones", sort="recently_closed", call_types=("challenge",)),
    SearchRequest(query="innovation", sectors=("sante",), issuers=("cci",)),
    SearchRequest(query="innovation", deadline="month"),
]


def answers(requests, now=None) -> list[dict]:
    backend = DatabaseBackend()
    out = []
    for request in requests:
        results = backend.search(replace(request, now=now or request.now))
        out.append(
            {
                "count": results.count,
                "facets": results.facets,
                "hits": [
                    (h.call_id, round(h.score, 6), h.highlight, h.status) for h in results.hits
                ],
            }
        )
    return out


def tier_of(call_id: str) -> str:
    entry = SearchEntry.objects.get(call_id=call_id)
    hot = HotEntry.objects.filter(entry_id=entry.pk).exists()
    settled = SettledEntry.objects.filter(entry_id=entry.pk).exists()
    assert hot != settled, f"{call_id} must be in exactly one tier"
    return "hot" if hot else "settled"


def settled_counts_are_exact() -> None:
    expected: dict[int, int] = {}
    for key in SettledEntry.objects.values_list("facet_key", flat=True):
        expected[key] = expected.get(key, 0) + 1
    actual = {k.pk: k.settled for k in FacetKey.objects.all() if k.settled}
    assert actual == expected


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the match tiers are PostgreSQL's")


def test_each_call_lands_in_the_tier_its_dates_say():
    DatabaseBackend().index(corpus())
    # The horizon is an hour before the first write: calls closed before it are settled.
    assert tier_of("AMP-2026-0000") == "settled"  # closed 400 days ago
    assert tier_of("AMP-2026-0003") == "settled"  # closed 2 days ago
    assert tier_of("AMP-2026-0004") == "hot"  # closed 15 minutes ago, after the horizon
    assert tier_of("AMP-2026-0006") == "hot"  # open
    assert tier_of("AMP-2026-0012") == "hot"  # closed early, but its dates are ahead
    assert SearchEntry.objects.filter(search_vector__isnull=False).count() == 0
    settled_counts_are_exact()


def test_settling_moves_calls_and_changes_no_answer():
    DatabaseBackend().index(corpus())
    before = answers(REQUESTS)
    moved = settle(timezone.now())
    assert moved == 1  # the call closed 15 minutes ago
    assert tier_of("AMP-2026-0004") == "settled"
    settled_counts_are_exact()
    assert answers(REQUESTS) == before
    assert settle(timezone.now() - timedelta(days=1)) == 0  # the horizon never goes back


def test_a_search_in_the_past_sees_settled_calls_as_they_were():
    """Before the horizon, settled calls may have been open: they must count as such."""
    DatabaseBackend().index(corpus())
    past = timezone.now() - timedelta(days=35)  # call 0002 (closed 30 days ago) was open
    in_the_past = [replace(r, now=past) for r in REQUESTS]
    before = answers(in_the_past)
    settle(timezone.now())
    assert answers(in_the_past) == before
    open_then = DatabaseBackend().search(SearchRequest(statuses=("open",), now=past))
    assert "AMP-2026-0002" in [hit.call_id for hit in open_then.hits]
    assert open_then.facets["status"]["open"] == open_then.count


def test_updates_and_removals_keep_tiers_and_counts_exact():
    backend = DatabaseBackend()
    docs = corpus()
    backend.index(docs)
    settle(timezone.now())
    # A settled call reopened (its deadline moved ahead) goes back to the hot tier.
    reopened = replace(
        docs[0], version=2, closes_at=timezone.now() + timedelta(days=15), title="Rouvert"
    )
    backend.index([reopened])
    assert tier_of(reopened.call_id) == "hot"
    # An open call whose facets change keeps exactly one row, with its new key.
    moved = replace(docs[6], version=2, call_type="challenge", sectors=["sante", "numerique"])
    backend.index([moved])
    assert tier_of(moved.call_id) == "hot"
    # A settled call removed takes its count with it.
    backend.remove([docs[1].call_id])
    assert not SettledEntry.objects.filter(call_id=docs[1].call_id).exists()
    settled_counts_are_exact()
    results = backend.search(SearchRequest(query="rouvert"))
    assert [hit.call_id for hit in results.hits] == [reopened.call_id]
    assert results.hits[0].status == "open"
    browse = backend.search(SearchRequest())
    assert browse.count == len(docs) - 1
    assert browse.facets["type"]["challenge"] == sum(
        1 for d in [*docs[:1], *docs[2:6], moved, *docs[7:]] if d.call_type == "challenge"
    )


def test_an_update_that_changes_no_indexed_column_leaves_the_tiers_alone():
    """``rebuild()`` resets every version: that must not rewrite 100 000 vectors."""
    DatabaseBackend().index(corpus())
    hot_before = {e.entry_id: e.search_vector for e in HotEntry.objects.all()}
    SearchEntry.objects.update(version=0)
    assert {e.entry_id: e.search_vector for e in HotEntry.objects.all()} == hot_before
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text FROM search_hotentry ORDER BY entry_id")
        xmins = cursor.fetchall()
    SearchEntry.objects.update(version=1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text FROM search_hotentry ORDER BY entry_id")
        assert cursor.fetchall() == xmins


def test_rebuild_settles_and_keeps_answers():
    backend = DatabaseBackend()
    docs = corpus()
    backend.index(docs)
    before = answers(REQUESTS)
    backend.rebuild([replace(d, version=3) for d in docs])
    assert answers(REQUESTS) == before
    assert {asdict(d)["call_id"] for d in docs} == set(
        SearchEntry.objects.values_list("call_id", flat=True)
    )
    settled_counts_are_exact()


def word_counts_are_exact() -> None:
    """``SettledWordCount`` against the settled vectors themselves."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT w.lexeme, s.facet_key, count(*) FROM search_settledentry s"
            " CROSS JOIN LATERAL unnest(tsvector_to_array(s.search_vector)) AS w(lexeme)"
            " WHERE w.lexeme IN (SELECT lexeme FROM search_commonword) GROUP BY 1, 2"
        )
        expected = {(lexeme, key): n for lexeme, key, n in cursor.fetchall()}
    actual = {(c.lexeme, c.facet_key): c.n for c in SettledWordCount.objects.filter(n__gt=0)}
    assert actual == expected


def answers_without(models, requests) -> list[dict]:
    """``answers(requests)`` with the rows of ``models`` deleted, then put back."""
    with transaction.atomic():
        for model in models:
            model.objects.all().delete()
        result = answers(requests)
        transaction.set_rollback(True)
    return result


def answers_without_word_counts(requests) -> list[dict]:
    return answers_without([SettledWordCount, CommonWord], requests)


ONE_WORD = [
    SearchRequest(query="innovation"),
    # Several words: one common word's counts and the other words' scan.
    SearchRequest(query="innovation drones"),
    SearchRequest(query="capteurs pollution innovation", statuses=("closed",)),
    SearchRequest(query="drones écoles", sectors=("sante",), sort="closing"),
    SearchRequest(query="e-commerce hôpital"),
    SearchRequest(query="innovation", statuses=("closed",), sort="closing"),
    SearchRequest(query="hôpital", sectors=("sante",)),
    SearchRequest(query="drones", call_types=("challenge",), issuers=("cci",)),
    SearchRequest(query="marseille", deadline="later"),
]


def test_common_words_counts_give_the_same_answers_and_stay_exact():
    backend = DatabaseBackend()
    docs = corpus()
    backend.index(docs)
    assert refresh_common_words(force=True, share=0.0) > 10  # every settled word
    assert CommonWord.objects.filter(lexeme="innov").exists()
    word_counts_are_exact()
    assert answers(ONE_WORD + REQUESTS) == answers_without_word_counts(ONE_WORD + REQUESTS)
    # Calls settling, a settled call reopened, one removed, one added already closed.
    settle(timezone.now())
    backend.index([replace(docs[0], version=2, closes_at=timezone.now() + timedelta(days=9))])
    backend.remove([docs[1].call_id])
    backend.index([document(50, -100, keywords=["innovation", "cybersécurité"])])
    word_counts_are_exact()
    innovation = SettledWordCount.objects.filter(lexeme="innov").values_list("n", flat=True)
    assert sum(innovation) == SettledEntry.objects.count(), "every call has the keyword"
    assert not CommonWord.objects.filter(lexeme="cybersecur").exists(), "chosen at refresh"
    assert answers(ONE_WORD + REQUESTS) == answers_without_word_counts(ONE_WORD + REQUESTS)


def test_common_words_are_chosen_again_only_when_due():
    backend = DatabaseBackend()
    backend.index(corpus())
    assert refresh_common_words() is not None  # never chosen yet
    assert refresh_common_words() is None  # nothing changed since
    backend.index([document(60 + n, -50) for n in range(3)])  # the settled tier grows by half
    assert refresh_common_words() is not None
    assert refresh_common_words(force=True, share=0.5) > 0
    common = set(CommonWord.objects.values_list("lexeme", flat=True))
    assert {"innov", "marseil"} <= common, "in every call"
    assert "drone" not in common, "in 2 of the 7 settled calls"
    assert CommonWord.objects.get(lexeme="innov").ndoc == SettledEntry.objects.count()
    assert not SettledWordCount.objects.filter(lexeme="drone").exists()
    word_counts_are_exact()


def word_ranks_are_exact() -> None:
    """``HotWordRank`` against the hot vectors and a search's own ``ts_rank``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT h.entry_id, w.lexeme, ts_rank('{0.1,0.3,0.6,1.0}'::float4[],"
            " h.search_vector, format('%L', w.lexeme)::tsquery)::float8,"
            " h.facet_key, h.opens_at, h.closes_at, h.closed_early, h.call_id"
            " FROM search_hotentry h"
            " CROSS JOIN LATERAL unnest(tsvector_to_array(h.search_vector)) AS w(lexeme)"
            " WHERE w.lexeme IN (SELECT lexeme FROM search_rankedword)"
        )
        expected = {row[:2]: row[2:] for row in cursor.fetchall()}
    actual = {
        (r.entry_id, r.lexeme): (
            r.rank,
            r.facet_key,
            r.opens_at,
            r.closes_at,
            r.closed_early,
            r.call_id,
        )
        for r in HotWordRank.objects.all()
    }
    assert actual == expected


def answers_without_word_ranks(requests) -> list[dict]:
    return answers_without([HotWordRank, RankedWord], requests)


RANKED = [
    SearchRequest(query="innovation", page_size=3),
    SearchRequest(query="innovation", page=2, page_size=2),
    SearchRequest(query="innovation", sort="closing"),
    SearchRequest(query="innovation", statuses=("open",), call_types=("ami",), page_size=1),
    SearchRequest(query="innovation", sectors=("sante",), issuers=("cci",)),
    SearchRequest(query="innovation", deadline="month", page_size=1),
    SearchRequest(query="marseille", statuses=("closed",), page_size=1),
    SearchRequest(query="énergie", page_size=1),
]


def test_ranked_words_give_the_same_answers_and_stay_exact():
    backend = DatabaseBackend()
    docs = corpus()
    backend.index(docs)
    settle(timezone.now() - timedelta(days=1))
    assert refresh_ranked_words(share=0.6) > 3
    ranked = set(RankedWord.objects.values_list("lexeme", flat=True))
    assert {"innov", "marseil"} <= ranked, "in every call"
    assert "energi" not in ranked, "in a quarter of the hot calls"
    assert HotWordRank.objects.filter(lexeme="innov").count() == HotEntry.objects.count()
    word_ranks_are_exact()
    # The best live calls come from the ranks' index: same pages, scores, facets.
    assert answers(RANKED + REQUESTS) == answers_without_word_ranks(RANKED + REQUESTS)
    # Calls settling, a settled call reopened, one closed early, one removed, one new.
    settle(timezone.now())
    backend.index([replace(docs[0], version=2, closes_at=timezone.now() + timedelta(days=9))])
    backend.index([replace(docs[9], version=2, closed_early=True)])
    backend.remove([docs[10].call_id])
    backend.index([document(70, 30, title="Innovation, innovation et innovation")])
    word_ranks_are_exact()
    assert HotWordRank.objects.filter(lexeme="innov").count() == HotEntry.objects.count()
    assert answers(RANKED + REQUESTS) == answers_without_word_ranks(RANKED + REQUESTS)
    assert answers(RANKED[:1])[0]["hits"][0][0] == "AMP-2026-0070", "three times in its title"


def test_hot_rows_are_never_updated():
    DatabaseBackend().index(corpus())
    with pytest.raises(Exception, match="never updated"), transaction.atomic():
        HotEntry.objects.update(closed_early=True)


def test_maintain_chooses_the_ranked_words_with_the_common_words():
    backend = DatabaseBackend()
    backend.index(corpus())
    backend.maintain()
    assert RankedWord.objects.filter(lexeme="innov").exists()
    word_ranks_are_exact()
    backend.rebuild(corpus())
    assert RankedWord.objects.filter(lexeme="innov").exists(), "chosen again at the end"
    word_ranks_are_exact()


@pytest.mark.parametrize(
    ("tsquery", "lone"),
    [
        ("'port' | 'decarbon'", ["port", "decarbon"]),
        ("'port' | 'e' & 'commerc' | 'hopital'", ["port", "hopital"]),
        ("'e' & 'commerc'", []),
        ("( 'a' | 'b' ) & 'c' | 'd'", ["d"]),
        ("'l''air' | 'o|b'", ["l'air", "o|b"]),
    ],
)
def test_lone_lexemes_are_the_whole_alternatives(tsquery, lone):
    assert _lone_lexemes(tsquery) == lone
