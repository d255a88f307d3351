"""The Elasticsearch engine: one alias in front of versioned indices, French analysis.

Layout. Readers and writers only ever name the alias ``{prefix}-calls``. Behind it sits
one generation ``{prefix}-calls-v{timestamp}``; ``rebuild()`` loads a new generation
while the old one keeps answering, then moves the alias in one ``_aliases`` call (an
atomic remove + add) and deletes the old generation, so there is never a moment
without results. The first ``index()`` on an empty cluster creates generation ``v0``:
a fixed name, so that two workers racing to create it end up sharing one index
instead of leaving the alias on two (which would make every later write fail).

Analysis. Titles, summaries, keywords and bodies use a French chain: standard
tokenizer, then ``lowercase`` → ``elision`` → ``_french_`` stop words →
``asciifolding`` → ``light_french`` stemmer, the same at index and query time, so
"Énergie", "energie" and "l'énergie" meet on one term and "capteurs" finds "capteur".

* Elasticsearch's documented rebuild of its ``french`` analyzer runs ``elision``
  before ``lowercase``; with ``articles_case: true`` that order is correct too on a
  real cluster. We lowercase first because that order does not depend on the
  ``articles_case`` flag at all — and the noida-db emulator gets ``articles_case``
  backwards (it leaves "L'" on "L'Énergie" when the flag is true), so this order is
  the one that behaves the same everywhere. ``articles_case`` stays true as a guard
  should someone reorder the chain.
* Stop words run before ``asciifolding`` because the ``_french_`` list is spelled
  with accents ("à", "même", "étant"): folded first, they would no longer match it.
* ``asciifolding`` runs before the stemmer so that a word typed with or without its
  accents goes through the stemmer as the same string and gets the same stem.

Titles also get an ``autocomplete`` sub-field: the same folding plus edge n-grams
(2–15 letters, keeping the whole word too, so a word longer than 15 letters typed
in full still matches); the query side is not n-grammed, so "hôp" finds "hôpital"
while a single letter finds nothing.

Ranking. Any word may match (``minimum_should_match: 1``): a call matching more of
the words, or matching them in a heavier field (title > summary, keywords > body),
scores higher; a phrase match on the title adds a bonus. One typo per word is
forgiven as the embedded engine does (no typo under 4 letters, 1 up to 7, 2 beyond,
first letter exact). Calls still open or upcoming always come before closed ones:
scripts would make that a sort key, but Painless sort scripts are not available
everywhere (the emulator refuses them); instead ``function_score`` multiplies the
text score of every call that is not closed by 1e9, far beyond the ratio between
any two text scores met in practice (BM25 scores span a few orders of magnitude),
which orders the tiers as a sort key would and keeps the text score recoverable
(we divide it back out for ``SearchHit.score``).

Statuses depend on the request's clock, not on indexing time, so they are computed
in the query (filters, facets, ranking) and again for each hit, never stored.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator, Mapping
from copy import deepcopy
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any

import urllib3
from elastic_transport import NodeConfig, Urllib3HttpNode
from elastic_transport.client_utils import DEFAULT, DefaultType
from elasticsearch import BadRequestError, Elasticsearch, NotFoundError, helpers
from elasticsearch.dsl import (
    SF,
    A,
    Boolean,
    Date,
    Document,
    Integer,
    Keyword,
    MetaField,
    Q,
    Search,
    Text,
    analyzer,
    token_filter,
)
from elasticsearch.dsl.query import Query
from elasticsearch.dsl.response import Response

from calls.constants import CallStatus
from search.backends.base import (
    FACETS,
    CallDocument,
    SearchBackend,
    SearchHit,
    SearchRequest,
    SearchResults,
    status_at,
)

logger = logging.getLogger(__name__)

# A dead host must not hold a web request for long; a busy one may take a while.
CONNECT_TIMEOUT = 5.0
REQUEST_TIMEOUT = 30.0
# Retried on connection errors (refused, reset, DNS) and on 429/502/503/504.
MAX_RETRIES = 3

BULK_CHUNK_SIZE = 500
# Elasticsearch refuses from + size beyond index.max_result_window (10 000 by default).
MAX_RESULT_WINDOW = 10_000
MAX_PAGE_SIZE = 100
# Multiplies the score of calls that are not closed; see the module docstring.
OPEN_TIER_WEIGHT = 1e9
# Terms buckets per facet; more than there are types, sectors or issuers.
FACET_SIZE = 500
DEADLINE_WEEK = timedelta(days=7)
DEADLINE_MONTH = timedelta(days=31)
# Same thresholds as the embedded engine (search.fuzzy): 0 typo under 4 letters,
# 1 up to 7, 2 beyond. Plain "AUTO" (3,6) would allow 2 edits on 6-letter words,
# turning "marine" into "machine".
FUZZINESS = "AUTO:4,8"
HIGHLIGHT_SEPARATOR = " … "

# --- analysis -------------------------------------------------------------------------

french_elision = token_filter(
    "french_elision",
    type="elision",
    articles_case=True,
    articles=["l", "m", "t", "qu", "n", "s", "j", "d", "c", "jusqu", "quoiqu", "lorsqu", "puisqu"],
)
french_stop = token_filter("french_stop", type="stop", stopwords="_french_")
french_stemmer = token_filter("french_stemmer", type="stemmer", language="light_french")
autocomplete_edge_ngram = token_filter(
    "autocomplete_edge_ngram",
    type="edge_ngram",
    min_gram=2,
    max_gram=15,
    preserve_original=True,
)

french_text = analyzer(
    "french_text",
    tokenizer="standard",
    filter=["lowercase", french_elision, french_stop, "asciifolding", french_stemmer],
)
autocomplete_index = analyzer(
    "autocomplete_index",
    tokenizer="standard",
    filter=["lowercase", french_elision, "asciifolding", autocomplete_edge_ngram],
)
autocomplete_search = analyzer(
    "autocomplete_search",
    tokenizer="standard",
    filter=["lowercase", french_elision, "asciifolding"],
)


class CallSearchDocument(Document):
    """How a ``CallDocument`` is stored. ``dynamic: strict`` rejects unmapped fields, so a
    field added to ``CallDocument`` fails loudly here instead of being guessed."""

    call_id = Keyword()
    version = Integer()
    title = Text(
        analyzer=french_text,
        fields={
            "autocomplete": Text(analyzer=autocomplete_index, search_analyzer=autocomplete_search)
        },
    )
    summary = Text(analyzer=french_text)
    body = Text(analyzer=french_text)
    keywords = Text(analyzer=french_text, multi=True, fields={"raw": Keyword()})
    call_type = Keyword()
    issuer = Keyword()
    issuer_slug = Keyword()
    sectors = Keyword(multi=True)
    location = Keyword()
    url = Keyword(index=False)
    opens_at = Date()
    closes_at = Date()
    closed_early = Boolean()
    published_at = Date()

    class Meta:
        dynamic = MetaField("strict")

    class Index:
        # No name on purpose: the backend names generations itself, and the default
        # "*" can never be written to by a stray ``save()``. A few thousand calls fit
        # in one shard; more shards would only skew BM25 statistics between them.
        settings = {"number_of_shards": 1}


def index_definition() -> dict[str, Any]:
    """Settings (with the analysis chain) and mappings for a new generation.

    A copy: the dsl's ``Index.to_dict()`` hands out its own settings dict.
    """
    return deepcopy(CallSearchDocument._index.to_dict())


# --- connection -----------------------------------------------------------------------


class BoundedConnectNode(Urllib3HttpNode):
    """A node whose connect timeout stays short whatever the request timeout.

    urllib3 is given one ``total`` timeout by elastic-transport, so an unreachable
    host would hold a request for the full 30 s meant for slow searches.
    """

    def __init__(self, config: NodeConfig) -> None:
        super().__init__(config)
        self.pool.timeout = _timeout(config.request_timeout)

    def perform_request(  # type: ignore[override]
        self,
        method: str,
        target: str,
        body: bytes | None = None,
        headers: Any = None,
        request_timeout: DefaultType | float | None = DEFAULT,
    ) -> Any:
        if isinstance(request_timeout, int | float):
            request_timeout = _timeout(request_timeout)  # type: ignore[assignment]
        return super().perform_request(
            method, target, body=body, headers=headers, request_timeout=request_timeout
        )


def _timeout(request_timeout: float | None) -> urllib3.Timeout:
    read = REQUEST_TIMEOUT if request_timeout is None else request_timeout
    return urllib3.Timeout(connect=min(CONNECT_TIMEOUT, read), read=read)


# --- statuses -------------------------------------------------------------------------


def _utc(moment: datetime) -> datetime:
    """Aware UTC datetimes; naive ones are taken as UTC, as Elasticsearch would."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _iso(moment: datetime) -> str:
    return _utc(moment).isoformat()


def closed_query(now: datetime) -> Query:
    return Q(
        "bool",
        should=[Q("term", closed_early=True), Q("range", closes_at={"lte": _iso(now)})],
        minimum_should_match=1,
    )


def not_closed_query(now: datetime) -> Query:
    return Q(
        "bool",
        filter=[Q("term", closed_early=False), Q("range", closes_at={"gt": _iso(now)})],
    )


def status_queries(now: datetime) -> dict[str, Query]:
    """One query per status, mutually exclusive, in display order."""
    return {
        CallStatus.OPEN.value: Q(
            "bool", filter=[not_closed_query(now), Q("range", opens_at={"lte": _iso(now)})]
        ),
        CallStatus.UPCOMING.value: Q(
            "bool", filter=[not_closed_query(now), Q("range", opens_at={"gt": _iso(now)})]
        ),
        CallStatus.CLOSED.value: closed_query(now),
    }


def deadline_queries(now: datetime) -> dict[str, Query]:
    """Deadline buckets among calls not closed yet (open or upcoming)."""
    week, month = _iso(now + DEADLINE_WEEK), _iso(now + DEADLINE_MONTH)
    return {
        "week": Q("bool", filter=[not_closed_query(now), Q("range", closes_at={"lte": week})]),
        "month": Q(
            "bool",
            filter=[not_closed_query(now), Q("range", closes_at={"gt": week, "lte": month})],
        ),
        "later": Q("bool", filter=[not_closed_query(now), Q("range", closes_at={"gt": month})]),
    }


def tiered(
    query: Query,
    now: datetime,
    *,
    open_weight: float = OPEN_TIER_WEIGHT,
    boost_mode: str = "multiply",
) -> Query:
    """``query`` with calls not closed scored ``open_weight`` times higher (or, with
    ``boost_mode="replace"``, scored ``open_weight`` against 1 for closed ones).

    Both tiers are spelled out so no engine default for unmatched functions matters.
    """
    return Q(
        "function_score",
        query=query,
        functions=[
            SF({"filter": not_closed_query(now), "weight": open_weight}),
            SF({"filter": closed_query(now), "weight": 1}),
        ],
        score_mode="multiply",
        boost_mode=boost_mode,
    )


# --- the backend ----------------------------------------------------------------------


class ElasticsearchBackend(SearchBackend):
    """Search through an Elasticsearch 8 cluster (or a compatible emulator).

    ``refresh=True`` makes every write wait until it is searchable; tests use it, the
    site does not need it (Elasticsearch makes writes visible within a second).
    """

    name = "elasticsearch"

    def __init__(
        self,
        url: str,
        index_prefix: str = "portal",
        *,
        refresh: bool = False,
        client: Elasticsearch | None = None,
    ) -> None:
        prefix = index_prefix.strip().lower()
        self.alias = f"{prefix}-calls" if prefix else "calls"
        self.refresh = refresh
        self.client = client or Elasticsearch(
            url,
            request_timeout=REQUEST_TIMEOUT,
            max_retries=MAX_RETRIES,
            retry_on_timeout=False,  # a timed-out search retried 3 times is a 2-minute page
            node_class=BoundedConnectNode,
        )

    # --- index management -------------------------------------------------------------

    def new_index_name(self) -> str:
        return f"{self.alias}-v{datetime.now(UTC):%Y%m%d%H%M%S%f}"

    @property
    def bootstrap_index_name(self) -> str:
        return f"{self.alias}-v0"

    def aliased_indices(self) -> list[str]:
        """The generation(s) the alias points to; empty when nothing was indexed yet."""
        try:
            return sorted(self.client.indices.get_alias(name=self.alias).body)
        except NotFoundError:
            return []

    def _create_index(self, name: str, *, with_alias: bool, loading: bool = False) -> None:
        body = index_definition()
        if loading:
            # No periodic refresh while bulk-loading: one refresh before the swap.
            body["settings"] = {**body["settings"], "refresh_interval": "-1"}
        if with_alias:
            body["aliases"] = {self.alias: {}}
        self.client.indices.create(index=name, **body)

    def ensure_alias(self) -> None:
        """Create the first generation, already behind the alias, if there is none."""
        if self.client.indices.exists_alias(name=self.alias):
            return
        try:
            self._create_index(self.bootstrap_index_name, with_alias=True)
        except BadRequestError as error:
            # Another worker created it between our check and our create: fine.
            if error.message != "resource_already_exists_exception":
                raise

    def drop(self) -> None:
        """Delete every generation and the alias (tests, decommissioning)."""
        names = set(self.aliased_indices())
        with contextlib.suppress(NotFoundError):
            names |= set(self.client.indices.get(index=f"{self.alias}-v*").body)
        for name in sorted(names):
            self.client.indices.delete(index=name, ignore_unavailable=True)

    # --- writing ----------------------------------------------------------------------

    def _action(self, document: CallDocument, index: str) -> dict[str, Any]:
        """A bulk ``index`` action using the call's version as an external version, so a
        late write of an older version (a slow worker) cannot replace a newer one."""
        fields = asdict(document)
        for name in ("opens_at", "closes_at", "published_at"):
            if fields[name] is not None:
                fields[name] = _utc(fields[name])
        source = CallSearchDocument(meta={"id": document.call_id}, **fields).to_dict()
        return {
            "_op_type": "index",
            "_index": index,
            "_id": document.call_id,
            "version": document.version,
            "version_type": "external_gte",
            "_source": source,
        }

    def _bulk(
        self, actions: Iterable[dict[str, Any]], *, ignore: tuple[int, ...], via_alias: bool
    ) -> Iterator[tuple[bool, dict[str, Any]]]:
        """Stream actions; with ``via_alias``, a write can never auto-create a concrete
        index named like the alias (``require_alias``) if the alias vanished meanwhile."""
        extra: dict[str, Any] = {"require_alias": True} if via_alias else {}
        return helpers.streaming_bulk(
            self.client,
            actions,
            chunk_size=BULK_CHUNK_SIZE,
            ignore_status=ignore,
            raise_on_error=True,
            refresh="wait_for" if self.refresh else False,
            **extra,
        )

    def index(self, documents: Iterable[CallDocument]) -> int:
        """Upsert into the alias; an older version than the one indexed is skipped (409)."""
        self.ensure_alias()
        actions = (self._action(document, self.alias) for document in documents)
        return sum(ok for ok, _ in self._bulk(actions, ignore=(409,), via_alias=True))

    def remove(self, call_ids: Iterable[str]) -> int:
        """Delete by call id; unknown ids are ignored.

        Elasticsearch remembers a deleted document's version for ``index.gc_deletes``
        (60 s), one above it (a delete bumps it): re-indexing the call with a higher
        version works at once (the reconciliation's remove-then-index of a stale
        entry); the same or a lower version is refused as stale until then.
        """
        ids = list(dict.fromkeys(call_ids))
        if not ids or not self.client.indices.exists_alias(name=self.alias):
            return 0
        actions = ({"_op_type": "delete", "_index": self.alias, "_id": i} for i in ids)
        return sum(
            1
            for _, item in self._bulk(actions, ignore=(404,), via_alias=True)
            if item["delete"].get("result") == "deleted"
        )

    def rebuild(self, documents: Iterable[CallDocument]) -> int:
        """Load a new generation, refresh it, swap the alias atomically, drop the old one.

        Not to be run twice at once (the caller holds a lock). Writes made through
        ``index()`` while a rebuild runs go to the old generation and are lost with
        it; the indexer's reconciliation (``indexed_versions``) brings them back.
        """
        new = self.new_index_name()
        self._create_index(new, with_alias=False, loading=True)
        try:
            actions = (self._action(document, new) for document in documents)
            # 409: the same call twice in ``documents``, the older one skipped.
            written = sum(ok for ok, _ in self._bulk(actions, ignore=(409,), via_alias=False))
            self.client.indices.put_settings(index=new, settings={"refresh_interval": None})
            self.client.indices.refresh(index=new)
            old = self.aliased_indices()
            swap: list[dict[str, Any]] = [
                {"remove": {"index": name, "alias": self.alias}} for name in old
            ]
            if not old and self.client.indices.exists(index=self.alias):
                # A concrete index squats the alias's name (auto-created by a write
                # made while no alias existed): replace it in the same atomic call.
                swap.append({"remove_index": {"index": self.alias}})
            swap.append({"add": {"index": new, "alias": self.alias}})
            self.client.indices.update_aliases(actions=swap)
        except BaseException:
            self._delete_quietly(new)  # the half-loaded generation; the old one serves on
            raise
        for name in old:
            # Searches already use the new generation; a leftover only costs disk.
            self._delete_quietly(name)
        return written

    def _delete_quietly(self, name: str) -> None:
        """Delete an index that nothing reads, logging rather than raising on failure
        (a failure here must not hide the error that led to it, or undo a swap)."""
        try:
            self.client.indices.delete(index=name, ignore_unavailable=True)
        except Exception:
            logger.warning("Could not delete search index %s", name, exc_info=True)

    # --- reading ----------------------------------------------------------------------

    def indexed_versions(self) -> dict[str, int]:
        if not self.client.indices.exists_alias(name=self.alias):
            return {}
        search = (
            Search(using=self.client, index=self.alias)
            .source(["call_id", "version"])
            .params(size=1000)
        )
        return {hit.call_id: int(hit.version) for hit in search.scan()}

    @staticmethod
    def text_clauses(query: str) -> list[Query]:
        """Any of these may match: the words in any field, or the words as a title phrase.

        ``best_fields`` scores each call by its best field for the query, summing the
        words matched there, plus 0.3 of the other fields: a call matching more of the
        words, or matching them in a heavier field, comes first. ``cross_fields`` would
        count words across fields better but refuses fuzziness.
        """
        query = " ".join(query.split())
        if not query:
            return []
        return [
            Q(
                "multi_match",
                query=query,
                fields=["title^3", "summary^2", "keywords^2", "body"],
                type="best_fields",
                tie_breaker=0.3,
                operator="or",
                fuzziness=FUZZINESS,
                prefix_length=1,
            ),
            Q("match_phrase", title={"query": query, "slop": 1, "boost": 2.0}),
        ]

    @staticmethod
    def facet_filters(request: SearchRequest, now: datetime) -> dict[str, Query]:
        """The active facet filters by facet name; values within a facet are OR-ed."""
        filters: dict[str, Query] = {}
        if request.call_types:
            filters["type"] = Q("terms", call_type=list(request.call_types))
        if request.sectors:
            filters["sector"] = Q("terms", sectors=list(request.sectors))
        if request.issuers:
            filters["issuer"] = Q("terms", issuer_slug=list(request.issuers))
        if request.statuses:
            by_status = status_queries(now)
            # An unknown status matches nothing rather than being silently dropped.
            wanted = [by_status[s] for s in request.statuses if s in by_status]
            filters["status"] = (
                Q("bool", should=wanted, minimum_should_match=1) if wanted else Q("match_none")
            )
        if request.deadline:
            filters["deadline"] = deadline_queries(now).get(request.deadline, Q("match_none"))
        return filters

    def build_search(self, request: SearchRequest) -> Search:
        """The whole request body, without touching the network (unit-tested as is).

        Facet filters go to ``post_filter`` so the main query (and so each facet's
        aggregation) is not narrowed by them; each facet then applies every other
        active facet filter itself, and counts what choosing one of its values would
        give. The date range filters are no facet, so they narrow everything.
        """
        now = _utc(request.now or datetime.now(UTC))
        clauses = self.text_clauses(request.query)
        ranges: dict[str, str] = {}
        if request.closes_after:
            ranges["gt"] = _iso(request.closes_after)
        if request.closes_before:
            ranges["lt"] = _iso(request.closes_before)
        narrowing = {"filter": [Q("range", closes_at=ranges)]} if ranges else {}
        if clauses:
            base = Q("bool", should=clauses, minimum_should_match=1, **narrowing)
        else:
            # match_all scores 1, so the open-first tiering below still applies.
            base = Q("bool", must=[Q("match_all")], **narrowing)

        search = Search(using=self.client, index=self.alias).doc_type(CallSearchDocument)
        if request.sort == "newest":
            search = search.query(base).sort(
                {"published_at": {"order": "desc", "missing": "_last"}},
                {"call_id": {"order": "asc"}},
            )
        elif request.sort == "closing":
            # The score becomes the tier alone (2 open or upcoming, 1 closed).
            search = search.query(tiered(base, now, open_weight=2, boost_mode="replace")).sort(
                {"_score": {"order": "desc"}},
                {"closes_at": {"order": "asc"}},
                {"call_id": {"order": "asc"}},
            )
        else:
            search = search.query(tiered(base, now)).sort(
                {"_score": {"order": "desc"}},
                {"closes_at": {"order": "asc"}},
                {"call_id": {"order": "asc"}},
            )

        active = self.facet_filters(request, now)
        if active:
            search = search.post_filter(Q("bool", filter=list(active.values())))
        for facet in FACETS:
            others = [query for name, query in active.items() if name != facet]
            scope = Q("bool", filter=others) if others else Q("match_all")
            search.aggs.bucket(facet, A("filter", filter=scope)).bucket(
                "values", self._facet_agg(facet, now)
            )

        if clauses:
            # The words alone decide what is marked, not the status and date filters
            # of the ranking wrapper. Spelling it out also matters on noida-db, which
            # highlights nothing for a query wrapped in function_score.
            words = Q("bool", should=clauses, minimum_should_match=1)
            search = (
                search.highlight_options(
                    pre_tags=["<mark>"],
                    post_tags=["</mark>"],
                    encoder="html",
                    highlight_query=words.to_dict(),
                )
                .highlight("summary", number_of_fragments=0)
                .highlight("body", fragment_size=160, number_of_fragments=2)
            )

        size = max(1, min(request.page_size, MAX_PAGE_SIZE))
        start = (max(request.page, 1) - 1) * size
        if start + size > MAX_RESULT_WINDOW:
            start, size = 0, 0  # beyond the window: counts and facets, no hits
        return search.source(excludes=["body"]).extra(from_=start, size=size, track_total_hits=True)

    @staticmethod
    def _facet_agg(facet: str, now: datetime) -> Any:
        if facet == "status":
            return A("filters", filters=status_queries(now))
        if facet == "deadline":
            return A("filters", filters=deadline_queries(now))
        field = {"type": "call_type", "sector": "sectors", "issuer": "issuer_slug"}[facet]
        return A("terms", field=field, size=FACET_SIZE)

    def search(self, request: SearchRequest) -> SearchResults:
        # Pin the clock once, so the query and the hits' statuses agree.
        now = _utc(request.now or datetime.now(UTC))
        request = replace(request, now=now)
        try:
            response = self.build_search(request).execute()
        except NotFoundError:
            # Nothing indexed yet: no alias, no results.
            return SearchResults(
                count=0, hits=[], facets={}, page=request.page, page_size=request.page_size
            )
        return SearchResults(
            count=response.hits.total.value,
            hits=[self._hit(hit, now, request.sort) for hit in response.hits],
            facets=self._facets(response),
            page=request.page,
            page_size=request.page_size,
        )

    @staticmethod
    def _facets(response: Response) -> dict[str, dict[str, int]]:
        """Counts by value, zeros left out (as the embedded engine does)."""
        aggregations = response.to_dict()["aggregations"]
        facets: dict[str, dict[str, int]] = {}
        for facet in FACETS:
            buckets = aggregations[facet]["values"]["buckets"]
            if isinstance(buckets, Mapping):  # filters aggregation: keyed buckets
                pairs = [(key, bucket["doc_count"]) for key, bucket in buckets.items()]
            else:
                pairs = [(str(bucket["key"]), bucket["doc_count"]) for bucket in buckets]
            facets[facet] = {key: count for key, count in pairs if count}
        return facets

    @staticmethod
    def _hit(hit: CallSearchDocument, now: datetime, sort: str) -> SearchHit:
        status = status_at(_utc(hit.opens_at), _utc(hit.closes_at), bool(hit.closed_early), now)
        score = 0.0
        if sort == "relevance" and hit.meta.score is not None:
            score = float(hit.meta.score)
            if status != CallStatus.CLOSED.value:
                score /= OPEN_TIER_WEIGHT
        return SearchHit(
            call_id=hit.call_id,
            title=hit.title,
            url=hit.url,
            call_type=hit.call_type,
            issuer=hit.issuer,
            issuer_slug=hit.issuer_slug,
            sectors=list(hit.sectors or []),
            opens_at=_utc(hit.opens_at),
            closes_at=_utc(hit.closes_at),
            status=status,
            summary=hit.summary or "",
            highlight=_highlight(hit),
            score=score,
        )

    def autocomplete(self, prefix: str, limit: int = 8) -> list[str]:
        """Titles having a word for each typed word prefix; open calls first."""
        prefix = " ".join(prefix.split())
        if len(prefix) < 2 or limit < 1:
            return []
        now = datetime.now(UTC)
        query = tiered(Q("match", title__autocomplete={"query": prefix, "operator": "and"}), now)
        search = (
            Search(using=self.client, index=self.alias)
            .query(query)
            .sort({"_score": {"order": "desc"}}, {"closes_at": {"order": "desc"}})
            .source(["title"])
            .extra(size=limit * 2)  # room for calls sharing a title
        )
        try:
            response = search.execute()
        except NotFoundError:
            return []
        return list(dict.fromkeys(hit.title for hit in response.hits))[:limit]

    def health(self) -> dict:
        """Cluster state and what the alias serves; raises when the cluster is unreachable,
        so ``/healthz`` reports the engine as down."""
        info = self.client.info()
        cluster = self.client.cluster.health()
        indices = self.aliased_indices()
        documents = self.client.count(index=self.alias)["count"] if indices else 0
        return {
            "engine": self.name,
            "version": info["version"]["number"],
            "cluster": info["cluster_name"],
            "status": cluster["status"],
            "alias": self.alias,
            "indices": indices,
            "documents": documents,
        }


def _highlight(hit: CallSearchDocument) -> str:
    """The highlighted summary if it matched, else body fragments, else the escaped
    summary: always HTML-safe, as the embedded engine returns it."""
    highlight = getattr(hit.meta, "highlight", None)
    if highlight is not None:
        if "summary" in highlight:
            return HIGHLIGHT_SEPARATOR.join(highlight["summary"])
        if "body" in highlight:
            return HIGHLIGHT_SEPARATOR.join(highlight["body"])
    return escape(hit.summary or "")
