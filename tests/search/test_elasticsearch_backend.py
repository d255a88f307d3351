"""The Elasticsearch backend without a server: mapping, analysis and request bodies.

What Elasticsearch does with these bodies is checked by the integration tests; here we
pin the bodies themselves, so that a change to the query (a lost ``fuzziness``, a
filter moved out of ``post_filter``, a facet counting its own filter) fails fast.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
import urllib3
from elasticsearch import ConnectionError as TransportConnectionError

from search.backends.base import FACETS, CallDocument, SearchRequest
from search.backends.elasticsearch import (
    CONNECT_TIMEOUT,
    OPEN_TIER_WEIGHT,
    REQUEST_TIMEOUT,
    CallSearchDocument,
    ElasticsearchBackend,
    index_definition,
    status_at,
)

NOW = datetime(2026, 3, 16, 10, 0, tzinfo=UTC)
ISO_NOW = "2026-03-16T10:00:00+00:00"
NOT_CLOSED = {
    "bool": {
        "filter": [
            {"term": {"closed_early": False}},
            {"range": {"closes_at": {"gt": ISO_NOW}}},
        ]
    }
}
CLOSED = {
    "bool": {
        "should": [
            {"term": {"closed_early": True}},
            {"range": {"closes_at": {"lte": ISO_NOW}}},
        ],
        "minimum_should_match": 1,
    }
}
OPEN = {"bool": {"filter": [NOT_CLOSED, {"range": {"opens_at": {"lte": ISO_NOW}}}]}}
UPCOMING = {"bool": {"filter": [NOT_CLOSED, {"range": {"opens_at": {"gt": ISO_NOW}}}]}}


@pytest.fixture
def backend() -> ElasticsearchBackend:
    # Building a client opens no connection: nothing listens on this port.
    return ElasticsearchBackend("http://127.0.0.1:9", index_prefix="Portal")


def body(backend: ElasticsearchBackend, **params: Any) -> dict[str, Any]:
    params.setdefault("now", NOW)
    return backend.build_search(SearchRequest(**params)).to_dict()


def main_query(body: dict[str, Any]) -> dict[str, Any]:
    """The query inside the open-first ranking wrapper."""
    return body["query"]["function_score"]["query"]


# --- analysis and mapping -----------------------------------------------------------


def analysis() -> dict[str, Any]:
    return index_definition()["settings"]["analysis"]


def test_french_chain_lowercases_before_elision_and_stops_before_folding():
    assert analysis()["analyzer"]["french_text"] == {
        "type": "custom",
        "tokenizer": "standard",
        # lowercase before elision: works whatever articles_case says (noida-db gets it
        # backwards); stop words before asciifolding: the _french_ list has accents;
        # asciifolding before the stemmer: "énergie" and "energie" stem alike.
        "filter": ["lowercase", "french_elision", "french_stop", "asciifolding", "french_stemmer"],
    }


def test_french_token_filters():
    filters = analysis()["filter"]
    elision = filters["french_elision"]
    assert elision["type"] == "elision"
    assert elision["articles_case"] is True
    assert {"l", "d", "qu", "n", "s", "j", "c", "m", "t", "jusqu", "lorsqu", "puisqu"} <= set(
        elision["articles"]
    )
    assert filters["french_stop"] == {"type": "stop", "stopwords": "_french_"}
    assert filters["french_stemmer"] == {"type": "stemmer", "language": "light_french"}
    assert filters["autocomplete_edge_ngram"] == {
        "type": "edge_ngram",
        "min_gram": 2,
        "max_gram": 15,
        "preserve_original": True,
    }


def test_autocomplete_analyzers_ngram_only_at_index_time():
    analyzers = analysis()["analyzer"]
    assert analyzers["autocomplete_index"]["tokenizer"] == "standard"
    assert analyzers["autocomplete_index"]["filter"] == [
        "lowercase",
        "french_elision",
        "asciifolding",
        "autocomplete_edge_ngram",
    ]
    assert analyzers["autocomplete_search"]["filter"] == [
        "lowercase",
        "french_elision",
        "asciifolding",
    ]


def test_mapping_field_types():
    mapping = CallSearchDocument._doc_type.mapping.to_dict()
    assert mapping["dynamic"] == "strict"
    properties = mapping["properties"]
    assert {name: field["type"] for name, field in properties.items()} == {
        "call_id": "keyword",
        "version": "integer",
        "title": "text",
        "summary": "text",
        "body": "text",
        "keywords": "text",
        "call_type": "keyword",
        "issuer": "keyword",
        "issuer_slug": "keyword",
        "sectors": "keyword",
        "location": "keyword",
        "url": "keyword",
        "opens_at": "date",
        "closes_at": "date",
        "closed_early": "boolean",
        "published_at": "date",
    }
    for name in ("title", "summary", "body", "keywords"):
        assert properties[name]["analyzer"] == "french_text"
    assert properties["title"]["fields"]["autocomplete"] == {
        "type": "text",
        "analyzer": "autocomplete_index",
        "search_analyzer": "autocomplete_search",
    }
    assert properties["keywords"]["fields"]["raw"] == {"type": "keyword"}
    assert properties["url"]["index"] is False


def test_every_call_document_field_is_mapped():
    mapped = set(CallSearchDocument._doc_type.mapping.to_dict()["properties"])
    assert mapped == {field.name for field in dataclasses.fields(CallDocument)}


def test_index_definition_is_a_fresh_copy():
    first = index_definition()
    first["settings"]["refresh_interval"] = "-1"
    second = index_definition()
    assert "refresh_interval" not in second["settings"]
    assert second["settings"]["number_of_shards"] == 1
    assert set(second) == {"settings", "mappings"}


# --- naming and connection ----------------------------------------------------------


def test_alias_and_generation_names(backend):
    assert backend.alias == "portal-calls"
    assert backend.bootstrap_index_name == "portal-calls-v0"
    with time_machine.travel(datetime(2026, 3, 16, 10, 0, 5, 123456, tzinfo=UTC), tick=False):
        assert backend.new_index_name() == "portal-calls-v20260316100005123456"


def test_connect_timeout_is_short_read_timeout_long_and_connections_retried(backend):
    (node,) = backend.client.transport.node_pool.all()
    attempts: list[urllib3.Timeout] = []

    def urlopen(method, target, **kwargs):
        attempts.append(kwargs["timeout"])
        raise urllib3.exceptions.NewConnectionError(None, "connection refused")

    node.pool.urlopen = urlopen
    with pytest.raises(TransportConnectionError):
        backend.client.info()
    assert len(attempts) == 1 + 3  # the first try and three retries
    for timeout in attempts:
        assert timeout.connect_timeout == CONNECT_TIMEOUT == 5
        assert timeout.read_timeout == REQUEST_TIMEOUT == 30
    # Even a request that sets no timeout of its own connects within 5 s.
    assert node.pool.timeout.connect_timeout == CONNECT_TIMEOUT


# --- the query ----------------------------------------------------------------------

TEXT_CLAUSES = [
    {
        "multi_match": {
            "query": "énergie hôpital",
            "fields": ["title^3", "summary^2", "keywords^2", "body"],
            "type": "best_fields",
            "tie_breaker": 0.3,
            "operator": "or",
            "fuzziness": "AUTO:4,8",
            "prefix_length": 1,
        }
    },
    {"match_phrase": {"title": {"query": "énergie hôpital", "slop": 1, "boost": 2.0}}},
]


def test_words_are_optional_with_typos_and_a_title_phrase_bonus(backend):
    query = main_query(body(backend, query="  énergie   hôpital "))
    assert query == {"bool": {"should": TEXT_CLAUSES, "minimum_should_match": 1}}


def test_relevance_puts_calls_not_closed_in_a_higher_tier(backend):
    ranking = body(backend, query="énergie hôpital")["query"]["function_score"]
    assert ranking["functions"] == [
        {"filter": NOT_CLOSED, "weight": OPEN_TIER_WEIGHT},
        {"filter": CLOSED, "weight": 1},
    ]
    assert ranking["boost_mode"] == "multiply"
    assert ranking["score_mode"] == "multiply"
    assert body(backend, query="énergie")["sort"] == [
        {"_score": {"order": "desc"}},
        {"closes_at": {"order": "asc"}},
        {"call_id": {"order": "asc"}},
    ]


def test_without_words_every_call_scores_the_same(backend):
    search = body(backend, query="   ")
    assert main_query(search) == {"bool": {"must": [{"match_all": {}}]}}
    assert "highlight" not in search
    assert search["sort"][0] == {"_score": {"order": "desc"}}


def test_sort_closing_scores_the_tier_only(backend):
    search = body(backend, query="énergie", sort="closing")
    ranking = search["query"]["function_score"]
    assert ranking["boost_mode"] == "replace"
    assert ranking["functions"] == [
        {"filter": NOT_CLOSED, "weight": 2},
        {"filter": CLOSED, "weight": 1},
    ]
    assert search["sort"] == [
        {"_score": {"order": "desc"}},
        {"closes_at": {"order": "asc"}},
        {"call_id": {"order": "asc"}},
    ]


def test_sort_newest(backend):
    search = body(backend, query="énergie", sort="newest")
    assert "function_score" not in search["query"]
    assert search["query"]["bool"]["minimum_should_match"] == 1
    assert search["sort"] == [
        {"published_at": {"order": "desc", "missing": "_last"}},
        {"call_id": {"order": "asc"}},
    ]


def test_date_bounds_narrow_the_query_itself(backend):
    search = body(
        backend,
        query="énergie",
        closes_after=datetime(2026, 4, 1, tzinfo=UTC),
        closes_before=datetime(2026, 6, 30, 12, 0),  # naive: taken as UTC
    )
    assert main_query(search)["bool"]["filter"] == [
        {
            "range": {
                "closes_at": {
                    "gt": "2026-04-01T00:00:00+00:00",
                    "lt": "2026-06-30T12:00:00+00:00",
                }
            }
        }
    ]
    assert "post_filter" not in search


def test_facet_filters_go_to_post_filter(backend):
    search = body(
        backend,
        query="énergie",
        call_types=("ami", "challenge"),
        sectors=("sante",),
        issuers=("ap-hm",),
        statuses=("open", "upcoming"),
        deadline="week",
    )
    assert "filter" not in main_query(search)["bool"]
    assert search["post_filter"] == {
        "bool": {
            "filter": [
                {"terms": {"call_type": ["ami", "challenge"]}},
                {"terms": {"sectors": ["sante"]}},
                {"terms": {"issuer_slug": ["ap-hm"]}},
                {"bool": {"should": [OPEN, UPCOMING], "minimum_should_match": 1}},
                {
                    "bool": {
                        "filter": [
                            NOT_CLOSED,
                            {"range": {"closes_at": {"lte": "2026-03-23T10:00:00+00:00"}}},
                        ]
                    }
                },
            ]
        }
    }


def test_each_facet_counts_with_every_filter_but_its_own(backend):
    aggs = body(backend, call_types=("ami",), sectors=("sante",))["aggs"]
    assert set(aggs) == set(FACETS)
    ami = {"terms": {"call_type": ["ami"]}}
    sante = {"terms": {"sectors": ["sante"]}}
    assert aggs["type"]["filter"] == {"bool": {"filter": [sante]}}
    assert aggs["sector"]["filter"] == {"bool": {"filter": [ami]}}
    for facet in ("issuer", "status", "deadline"):
        assert aggs[facet]["filter"] == {"bool": {"filter": [ami, sante]}}


def test_facet_aggregations(backend):
    aggs = body(backend)["aggs"]
    for facet in FACETS:
        assert aggs[facet]["filter"] == {"match_all": {}}
    assert aggs["type"]["aggs"]["values"] == {"terms": {"field": "call_type", "size": 500}}
    assert aggs["sector"]["aggs"]["values"] == {"terms": {"field": "sectors", "size": 500}}
    assert aggs["issuer"]["aggs"]["values"] == {"terms": {"field": "issuer_slug", "size": 500}}
    assert aggs["status"]["aggs"]["values"] == {
        "filters": {"filters": {"open": OPEN, "upcoming": UPCOMING, "closed": CLOSED}}
    }
    week, month = "2026-03-23T10:00:00+00:00", "2026-04-16T10:00:00+00:00"
    assert aggs["deadline"]["aggs"]["values"] == {
        "filters": {
            "filters": {
                "week": {"bool": {"filter": [NOT_CLOSED, {"range": {"closes_at": {"lte": week}}}]}},
                "month": {
                    "bool": {
                        "filter": [
                            NOT_CLOSED,
                            {"range": {"closes_at": {"gt": week, "lte": month}}},
                        ]
                    }
                },
                "later": {
                    "bool": {"filter": [NOT_CLOSED, {"range": {"closes_at": {"gt": month}}}]}
                },
            }
        }
    }


def test_unknown_status_or_deadline_match_nothing(backend):
    search = body(backend, statuses=("withdrawn",), deadline="someday")
    assert search["post_filter"] == {"bool": {"filter": [{"match_none": {}}, {"match_none": {}}]}}


def test_one_status_among_known_ones(backend):
    search = body(backend, statuses=("closed", "withdrawn"))
    assert search["post_filter"] == {
        "bool": {"filter": [{"bool": {"should": [CLOSED], "minimum_should_match": 1}}]}
    }


def test_highlight_marks_the_words_only_and_escapes(backend):
    highlight = body(backend, query="énergie hôpital")["highlight"]
    assert highlight == {
        "pre_tags": ["<mark>"],
        "post_tags": ["</mark>"],
        "encoder": "html",
        "highlight_query": {"bool": {"should": TEXT_CLAUSES, "minimum_should_match": 1}},
        "fields": {
            "summary": {"number_of_fragments": 0},
            "body": {"fragment_size": 160, "number_of_fragments": 2},
        },
    }


def test_the_body_is_not_fetched_and_totals_are_exact(backend):
    search = body(backend)
    assert search["_source"] == {"excludes": ["body"]}
    assert search["track_total_hits"] is True


@pytest.mark.parametrize(
    ("page", "page_size", "expected"),
    [
        (1, 20, (0, 20)),
        (3, 10, (20, 10)),
        (0, 10, (0, 10)),  # pages start at 1
        (2, 500, (100, 100)),  # at most 100 a page
        (1000, 10, (9990, 10)),  # the last page Elasticsearch will serve
        (1001, 10, (0, 0)),  # beyond the result window: counts and facets only
    ],
)
def test_pagination(backend, page, page_size, expected):
    search = body(backend, page=page, page_size=page_size)
    assert (search["from"], search["size"]) == expected


def test_clock_defaults_to_now_in_utc(backend):
    with time_machine.travel(NOW, tick=False):
        search = backend.build_search(SearchRequest(statuses=("closed",))).to_dict()
    assert search["post_filter"]["bool"]["filter"][0]["bool"]["should"] == [CLOSED]


def test_naive_clock_is_utc(backend):
    search = body(backend, statuses=("closed",), now=NOW.replace(tzinfo=None))
    assert search["post_filter"]["bool"]["filter"][0]["bool"]["should"] == [CLOSED]


# --- statuses -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opens", "closes", "closed_early", "expected"),
    [
        (-1, 1, False, "open"),
        (0, 1, False, "open"),  # opens at this very moment
        (1, 2, False, "upcoming"),
        (-2, -1, False, "closed"),
        (-2, 0, False, "closed"),  # closes at this very moment
        (-1, 1, True, "closed"),
        (1, 2, True, "closed"),  # closed early before it even opened
    ],
)
def test_status_at(opens, closes, closed_early, expected):
    hours = timedelta(hours=1)
    assert status_at(NOW + opens * hours, NOW + closes * hours, closed_early, NOW) == expected


# --- writing ------------------------------------------------------------------------

DOCUMENT = CallDocument(
    call_id="AMP-2026-0007",
    version=4,
    title="Énergie solaire sur les toitures des hôpitaux",
    summary="Des panneaux photovoltaïques.",
    body="Les établissements de santé veulent produire leur électricité.",
    keywords=["photovoltaïque"],
    call_type="appel_a_solutions",
    issuer="Assistance Publique – Hôpitaux de Marseille",
    issuer_slug="ap-hm",
    sectors=["energie_environnement", "sante"],
    location="Marseille",
    url="/appels/amp-2026-0007/",
    opens_at=datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
    closes_at=datetime(2026, 3, 19, 10, 0),  # naive: taken as UTC
    closed_early=False,
    published_at=None,
)


def test_bulk_action_is_a_versioned_upsert(backend):
    action = backend._action(DOCUMENT, backend.alias)
    assert action == {
        "_op_type": "index",
        "_index": "portal-calls",
        "_id": "AMP-2026-0007",
        "version": 4,
        "version_type": "external_gte",
        "_source": {
            "call_id": "AMP-2026-0007",
            "version": 4,
            "title": DOCUMENT.title,
            "summary": DOCUMENT.summary,
            "body": DOCUMENT.body,
            "keywords": ["photovoltaïque"],
            "call_type": "appel_a_solutions",
            "issuer": DOCUMENT.issuer,
            "issuer_slug": "ap-hm",
            "sectors": ["energie_environnement", "sante"],
            "location": "Marseille",
            "url": "/appels/amp-2026-0007/",
            "opens_at": datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
            "closes_at": datetime(2026, 3, 19, 10, 0, tzinfo=UTC),
            "closed_early": False,
        },
    }


# --- reading a response -------------------------------------------------------------


def raw_hit(document: CallDocument, score: float | None, highlight: dict | None = None) -> dict:
    source = {
        key: value.isoformat() if isinstance(value, datetime) else value
        for key, value in dataclasses.asdict(document).items()
        if key != "body" and value is not None
    }
    hit: dict[str, Any] = {
        "_index": "portal-calls-v0",
        "_id": document.call_id,
        "_score": score,
        "_source": source,
    }
    if highlight is not None:
        hit["highlight"] = highlight
    return hit


def raw_response(hits: list[dict], total: int) -> dict:
    def buckets(**counts: int) -> dict:
        return {"values": {"buckets": {key: {"doc_count": n} for key, n in counts.items()}}}

    return {
        "took": 1,
        "timed_out": False,
        "hits": {"total": {"value": total, "relation": "eq"}, "hits": hits},
        "aggregations": {
            "type": {
                "doc_count": total,
                "values": {"buckets": [{"key": "appel_a_solutions", "doc_count": total}]},
            },
            "sector": {
                "doc_count": total,
                "values": {
                    "buckets": [
                        {"key": "sante", "doc_count": 2},
                        {"key": "energie_environnement", "doc_count": 1},
                    ]
                },
            },
            "issuer": {"doc_count": total, "values": {"buckets": []}},
            "status": {"doc_count": total, **buckets(open=1, upcoming=0, closed=1)},
            "deadline": {"doc_count": total, **buckets(week=1, month=0, later=0)},
        },
    }


class StubClient:
    """Answers ``search`` with a canned body and remembers the request."""

    def __init__(self, response: dict) -> None:
        self.response = response
        self.requests: list[dict] = []

    def search(self, **kwargs: Any) -> SimpleNamespace:
        self.requests.append(kwargs)
        return SimpleNamespace(body=self.response)


def test_search_turns_the_response_into_results():
    closed = dataclasses.replace(DOCUMENT, call_id="AMP-2026-0006", closed_early=True)
    response = raw_response(
        [
            raw_hit(
                DOCUMENT,
                2.5 * OPEN_TIER_WEIGHT,
                {"summary": ["Des <mark>panneaux</mark> photovoltaïques."]},
            ),
            raw_hit(closed, 1.5, {"body": ["produire leur <mark>électricité</mark>", "B &amp; C"]}),
        ],
        total=2,
    )
    client = StubClient(response)
    backend = ElasticsearchBackend("http://unused", index_prefix="portal", client=client)
    results = backend.search(SearchRequest(query="panneaux", now=NOW, page=1, page_size=20))

    (request,) = client.requests
    assert request["index"] == ["portal-calls"]
    assert request["body"]["query"]["function_score"]["functions"][0]["weight"] == 1e9
    assert results.count == 2
    assert (results.page, results.page_size) == (1, 20)
    assert results.facets == {
        "type": {"appel_a_solutions": 2},
        "sector": {"sante": 2, "energie_environnement": 1},
        "issuer": {},
        "status": {"open": 1, "closed": 1},
        "deadline": {"week": 1},
    }
    first, second = results.hits
    assert first.call_id == "AMP-2026-0007"
    assert first.status == "open"
    assert first.score == pytest.approx(2.5)  # the tier weight divided back out
    assert first.highlight == "Des <mark>panneaux</mark> photovoltaïques."
    assert first.opens_at == DOCUMENT.opens_at
    assert first.closes_at == datetime(2026, 3, 19, 10, 0, tzinfo=UTC)
    assert first.sectors == ["energie_environnement", "sante"]
    assert (first.title, first.url, first.issuer, first.issuer_slug) == (
        DOCUMENT.title,
        DOCUMENT.url,
        DOCUMENT.issuer,
        DOCUMENT.issuer_slug,
    )
    assert second.status == "closed"
    assert second.score == pytest.approx(1.5)
    assert second.highlight == "produire leur <mark>électricité</mark> … B &amp; C"


def test_without_highlight_the_summary_is_escaped():
    document = dataclasses.replace(DOCUMENT, summary='R&D <pilote> "froid"')
    client = StubClient(raw_response([raw_hit(document, None)], total=1))
    backend = ElasticsearchBackend("http://unused", client=client)
    (hit,) = backend.search(SearchRequest(now=NOW, sort="newest")).hits
    assert hit.highlight == "R&amp;D &lt;pilote&gt; &quot;froid&quot;"
    assert hit.score == 0.0  # no relevance score when sorting by date
