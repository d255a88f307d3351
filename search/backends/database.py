"""The embedded engine: the ``SearchEntry`` table of the project's own database.

On PostgreSQL: French full-text search with accents folded (``french_unaccent``),
title > summary and keywords > body weights, a GIN index, any-word matching ranked
by ``ts_rank`` (a call matching more, and more important, words comes first), and
one typo per word forgiven (``search.fuzzy``: query words the index does not know
are expanded to known words one or two edits away), and ``pg_trgm`` behind
autocomplete.
On SQLite (``make run`` with no server): FTS5 (``search.backends.sqlite_fts``) with
diacritics removed, any-word prefix matching and BM25 ranking.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.html import escape

from search.backends import sqlite_fts
from search.backends.base import (
    CallDocument,
    SearchBackend,
    SearchHit,
    SearchRequest,
    SearchResults,
    status_at,
)
from search.fuzzy import typo_candidates, typo_candidates_for, typo_checked
from search.models import SearchEntry, SearchWord

CONFIG = "french_unaccent"
WORD_RE = re.compile(r"\w+", re.UNICODE)
# Words too short to carry meaning on their own in a French query.
MIN_WORD = 2
MARK_START, MARK_STOP = "\x02", "\x03"


def fold(text: str) -> str:
    """Lowercase without accents: "Énergie" → "energie"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def query_words(query: str) -> list[str]:
    seen: list[str] = []
    for word in WORD_RE.findall(fold(query)):
        if len(word) >= MIN_WORD and word not in seen:
            seen.append(word)
    return seen[:12]


def status_q(status: str, now: datetime) -> Q:
    if status == "upcoming":
        return Q(opens_at__gt=now, closed_early=False)
    if status == "open":
        return Q(opens_at__lte=now, closes_at__gt=now, closed_early=False)
    return Q(closes_at__lte=now) | Q(closed_early=True)


def deadline_q(bucket: str, now: datetime) -> Q:
    not_closed = Q(closes_at__gt=now, closed_early=False)
    week, month = now + timedelta(days=7), now + timedelta(days=31)
    if bucket == "week":
        return not_closed & Q(closes_at__lte=week)
    if bucket == "month":
        return not_closed & Q(closes_at__gt=week, closes_at__lte=month)
    return not_closed & Q(closes_at__gt=month)


def _any_of(values: Iterable[str], make_q) -> Q:
    combined = Q()
    for value in values:
        combined |= make_q(value)
    return combined


class DatabaseBackend(SearchBackend):
    name = "database"

    # --- writing ----------------------------------------------------------------

    @property
    def is_postgres(self) -> bool:
        return connection.vendor == "postgresql"

    def _row(self, document: CallDocument) -> dict:
        return {
            "version": document.version,
            "title": document.title,
            "summary": document.summary,
            "body": document.body,
            "keywords": " ".join(document.keywords),
            "call_type": document.call_type,
            "issuer": document.issuer,
            "issuer_slug": document.issuer_slug,
            "sectors": " " + " ".join(document.sectors) + " " if document.sectors else "",
            "location": document.location,
            "url": document.url,
            "opens_at": document.opens_at,
            "closes_at": document.closes_at,
            "closed_early": document.closed_early,
            "published_at": document.published_at,
            "folded_text": fold(
                " ".join([document.title, document.summary, *document.keywords])
                + ("" if self.is_postgres else " " + document.body)
            ),
        }

    def _refresh_vectors(self, call_ids: list[str]) -> None:
        """Bring the full-text index of these rows up to date with their text.

        On PostgreSQL there is nothing to do: the ``search_tiers_*`` triggers
        (migration 0008) build the weighted vector (title A, summary and keywords B,
        body, issuer and location C) in the upsert's own statement and write it to
        the call's match tier.
        """
        if not call_ids or self.is_postgres:
            return
        sqlite_fts.replace(
            list(
                SearchEntry.objects.filter(call_id__in=call_ids).values_list(
                    "pk", "title", "summary", "keywords", "body"
                )
            )
        )

    @transaction.atomic
    def index(self, documents: Iterable[CallDocument]) -> int:
        """Upsert, never replacing a newer indexed version with an older one."""
        documents = list(documents)
        if not documents:
            return 0
        current = dict(
            SearchEntry.objects.select_for_update()
            .filter(call_id__in=[d.call_id for d in documents])
            .values_list("call_id", "version")
        )
        fresh = [d for d in documents if current.get(d.call_id, 0) <= d.version]
        if self.is_postgres:
            self._upsert_postgres(fresh)
        else:
            SearchEntry.objects.bulk_create(
                [SearchEntry(call_id=d.call_id, **self._row(d)) for d in fresh],
                update_conflicts=True,
                unique_fields=["call_id"],
                update_fields=list(self._row(fresh[0]).keys()) if fresh else ["version"],
                batch_size=500,
            )
        self._refresh_vectors([d.call_id for d in fresh])
        self._learn_words(fresh)
        return len(fresh)

    def _upsert_postgres(self, documents: list[CallDocument]) -> None:
        """``bulk_create(update_conflicts=True)``'s upsert, one array per column.

        Same rows and same conflict handling (every ``_row`` column replaced,
        ``indexed_at`` kept as first written, as ``bulk_create`` leaves
        ``auto_now`` fields out of ``update_fields``), but each statement binds
        17 arrays instead of 17 parameters per row: building and quoting 8 500
        parameters per batch in Python cost about a third of ``index()``'s time,
        more than PostgreSQL's share once the vector trigger builds the vector.
        Batches of 500 rows as before, so a batch that repeats a call_id fails or
        passes as it did.
        """
        columns = ", ".join(name for name, _ in UPSERT_COLUMNS)
        arrays = ", ".join(f"%s::{sql_type}[]" for _, sql_type in UPSERT_COLUMNS)
        updates = ", ".join(
            f"{name} = EXCLUDED.{name}" for name, _ in UPSERT_COLUMNS if name != "call_id"
        )
        sql = f"""
            INSERT INTO search_searchentry ({columns}, indexed_at)
            SELECT {columns}, %s FROM unnest({arrays}) AS u({columns})
            ON CONFLICT (call_id) DO UPDATE SET {updates}"""  # noqa: S608 (fixed names)
        indexed_at = timezone.now()
        with connection.cursor() as cursor:
            for start in range(0, len(documents), 500):
                rows = [
                    {"call_id": d.call_id, **self._row(d)} for d in documents[start : start + 500]
                ]
                params = [indexed_at]
                params += [[row[name] for row in rows] for name, _ in UPSERT_COLUMNS]
                cursor.execute(sql, params)

    def _learn_words(self, documents: list[CallDocument]) -> None:
        """Add the batch's folded words to the typo-correction vocabulary.

        Folding is per character and slow in Python, and a batch repeats the same
        few thousand tokens: each distinct whitespace-separated token is folded
        once. A word never spans whitespace and folding does not depend on what
        lies beyond it, so the words are the same as folding the whole text.
        """
        tokens: set[str] = set()
        for d in documents:
            tokens.update(" ".join([d.title, d.summary, d.body, *d.keywords]).split())
        words = set()
        for token in tokens:
            words.update(w for w in WORD_RE.findall(fold(token)) if 3 <= len(w) <= 60)
        SearchWord.objects.bulk_create(
            [SearchWord(word=w, length=len(w)) for w in words],
            ignore_conflicts=True,
            batch_size=1000,
        )

    def remove(self, call_ids: Iterable[str]) -> int:
        entries = SearchEntry.objects.filter(call_id__in=list(call_ids))
        if not self.is_postgres:
            sqlite_fts.delete(list(entries.values_list("pk", flat=True)))
        deleted, _ = entries.delete()
        return deleted

    def indexed_versions(self) -> dict[str, int]:
        return dict(SearchEntry.objects.values_list("call_id", "version"))

    @transaction.atomic
    def rebuild(self, documents: Iterable[CallDocument]) -> int:
        """In one transaction: readers see the old index until the new one commits.

        The common words' counts and the ranked words' ranks are dropped first and
        computed once at the end: keeping them up to date call by call doubles the
        cost of rewriting a settled call (3.4 s → 6.1 s for 5 000 at 100 000 calls).
        """
        documents = list(documents)
        keep = [d.call_id for d in documents]
        forget_common_words()
        self.remove(SearchEntry.objects.exclude(call_id__in=keep).values_list("call_id", flat=True))
        SearchEntry.objects.filter(call_id__in=keep).update(version=0)
        written = 0
        for start in range(0, len(documents), 1000):
            written += self.index(documents[start : start + 1000])
        settle()
        refresh_common_words(force=True)
        refresh_ranked_words()
        return written

    def maintain(self) -> None:
        """Move the calls closed an hour ago or more to the settled tier, and choose
        the common and the ranked words again when it is due (PostgreSQL)."""
        settle()
        if refresh_common_words() is not None:
            refresh_ranked_words()

    # --- reading ------------------------------------------------------------------

    def _filters(self, request: SearchRequest, now: datetime, skip: str = "") -> Q:
        q = Q()
        if request.call_types and skip != "type":
            q &= Q(call_type__in=request.call_types)
        if request.sectors and skip != "sector":
            q &= _any_of(request.sectors, lambda code: Q(sectors__contains=f" {code} "))
        if request.issuers and skip != "issuer":
            q &= Q(issuer_slug__in=request.issuers)
        if request.statuses and skip != "status":
            q &= _any_of(request.statuses, lambda status: status_q(status, now))
        if request.deadline and skip != "deadline":
            q &= deadline_q(request.deadline, now)
        if request.closes_before:
            q &= Q(closes_at__lt=request.closes_before)
        if request.closes_after:
            q &= Q(closes_at__gt=request.closes_after)
        return q

    def _matching(self, request: SearchRequest) -> QuerySet:
        """SQLite: the FTS5 matches with their BM25 rank."""
        words = query_words(request.query)
        entries = SearchEntry.objects.all()
        if not words:
            return entries.annotate(rank=Value(0.0, output_field=FloatField()))
        expression = sqlite_fts.match_expression([[w, *typo_candidates(w)] for w in words])
        return entries.filter(pk__in=sqlite_fts.matching_ids(expression)).annotate(
            rank=sqlite_fts.rank(expression)
        )

    def _order(self, entries: QuerySet, request: SearchRequest, now: datetime) -> QuerySet:
        entries = entries.annotate(
            is_closed=Case(
                When(Q(closes_at__lte=now) | Q(closed_early=True), then=1),
                default=0,
                output_field=IntegerField(),
            )
        )
        if request.sort == "newest":
            return entries.order_by(F("published_at").desc(nulls_last=True), "call_id")
        if request.sort == "recently_closed":
            return entries.order_by("-closes_at", "call_id")
        if request.sort == "closing":
            return entries.order_by("is_closed", "closes_at", "call_id")
        return entries.order_by("is_closed", "-rank", "closes_at", "call_id")

    def _facets_and_count(
        self, entries: QuerySet, request: SearchRequest, now: datetime
    ) -> tuple[dict[str, dict[str, int]], int]:
        """Every facet and the total in one pass over the matching rows.

        Each facet counts with every filter except its own, as users expect; doing it
        with ``COUNT(*) FILTER (...)`` columns of one query reads the matches once
        instead of once per facet.
        """
        from calls.constants import SECTORS, CallType
        from organisations.models import Organisation

        buckets = {
            "type": {t: Q(call_type=t) for t in CallType.values},
            "issuer": {
                slug: Q(issuer_slug=slug)
                for slug in Organisation.objects.values_list("slug", flat=True)
            },
            "sector": {c: Q(sectors__contains=f" {c} ") for c, _ in SECTORS},
            "status": {s: status_q(s, now) for s in ("open", "upcoming", "closed")},
            "deadline": {b: deadline_q(b, now) for b in ("week", "month", "later")},
        }
        everything = self._filters(request, now)
        columns = {"total": Count("pk", filter=everything) if everything else Count("pk")}
        names = {}
        for facet, options in buckets.items():
            others = self._filters(request, now, skip=facet)
            for i, (value, condition) in enumerate(options.items()):
                names[f"{facet}_{i}"] = (facet, value)
                columns[f"{facet}_{i}"] = Count("pk", filter=others & condition)
        totals = entries.order_by().aggregate(**columns)
        facets: dict[str, dict[str, int]] = {facet: {} for facet in buckets}
        for alias, (facet, value) in names.items():
            if totals[alias]:
                facets[facet][value] = totals[alias]
        return facets, totals["total"]

    def search(self, request: SearchRequest) -> SearchResults:
        if self.is_postgres:
            return self._search_postgres(request)
        return self._search_orm(request)

    def _search_orm(self, request: SearchRequest) -> SearchResults:
        """SQLite: the same filters, facets and order through the ORM."""
        now = request.now or timezone.now()
        matching = self._matching(request)
        facets, count = self._facets_and_count(matching, request, now)
        results = self._order(matching.filter(self._filters(request, now)), request, now)
        start = (request.page - 1) * request.page_size
        page = results[start : start + request.page_size]
        words = query_words(request.query)
        hits = [self._hit(entry, now, words) for entry in page]
        return SearchResults(
            count=count, hits=hits, facets=facets, page=request.page, page_size=request.page_size
        )

    # --- reading, PostgreSQL ------------------------------------------------------------
    #
    # The rules of ``_search_orm`` (filters, facets without their own filter, closed
    # calls last), written for the cost that grows with the number of matching calls.
    # Matching reads the two tiers of migration 0008
    # (``search_hotentry``: calls closing after the horizon, vectors inline;
    # ``search_settledentry``: calls closed before it, narrow rows):
    # - the facets and the total come from one ``GROUP BY`` of the matches on their
    #   integer facet key and a small state code (status and deadline bucket at
    #   ``now``; settled calls are all closed); Python then applies "every filter but
    #   the facet's own" to the groups. Browsing reads the settled counts that
    #   ``search_facetkey`` keeps instead of grouping 80 % of the index;
    # - closed calls sort after the others, so when enough calls that are not closed
    #   match to fill the page (the groups say how many), only those are ranked, and
    #   they are all in the hot tier: they are ranked in the same scan that groups
    #   them, from vectors that need no TOAST read;
    # - the text and headline are read for the 20 rows of the page only, and the
    #   tsquery is computed once and passed to each statement as a constant.

    # The benchmark's "no facets" variant turns this off to see what facets cost.
    with_facets = True

    def _search_postgres(self, request: SearchRequest) -> SearchResults:
        now = request.now or timezone.now()
        words = query_words(request.query)
        with _reading(now, words) as prelude:
            return self._search_tiers(request, words, prelude)

    def _search_tiers(
        self, request: SearchRequest, words: list[str], prelude: Prelude
    ) -> SearchResults:
        now, tiers = prelude.tiers.now, prelude.tiers
        candidates = typo_candidates_for(words, known=prelude.known_words) if words else {}
        terms = [term for word in words for term in (word, *candidates[word])]
        if terms != words:  # typo corrections to match too
            prelude.tsquery = _pg_tsquery(terms)
        tsquery = Fragment("%s::tsquery", [prelude.tsquery]) if terms else None
        match = Fragment("TRUE") if tsquery is None else Fragment("search_vector @@ ") + tsquery
        if request.closes_before:
            match &= Fragment("closes_at < %s", [request.closes_before])
        if request.closes_after:
            match &= Fragment("closes_at > %s", [request.closes_after])
        start = (request.page - 1) * request.page_size
        # With words, ranked by relevance: the live matches of the hot tier are ranked
        # in the scan that counts them for the facets, and the best ones come back
        # with the groups; they are the page whenever the live calls fill it.
        top = None
        if tsquery is not None and request.sort == "relevance" and tiers.settled_closed:
            top = TopLive(
                rank=Fragment(f"ts_rank({RANK_WEIGHTS}, search_vector, ") + tsquery + Fragment(")"),
                where=_pg_filters(request, now, tiers) & ~Fragment(CLOSED_SQL, [now]),
                limit=start + request.page_size,
            )
        if self.with_facets:
            # One word and no date range: its settled counts may be kept.
            # One word and no date range: its settled counts and hot ranks may be
            # kept; several words: the settled counts of one of them may be.
            whole = terms and not (request.closes_before or request.closes_after)
            word = _single_lexeme(prelude.tsquery) if whole else None
            lone = _lone_lexemes(prelude.tsquery) if whole and word is None else []
            groups, best = self._pg_groups(
                match,
                tiers,
                browsing=not match.params,
                top=top,
                word=word,
                lone=(prelude.tsquery, lone) if lone else None,
            )
            facets, count, live = _facets_from_groups(
                groups, request, tiers.keys, prelude.issuer_order
            )
        else:
            facets, best = {}, []
            count, live = self._pg_counts(match & _pg_filters(request, now, tiers), tiers)
        if top is not None and live >= top.limit and self.with_facets:
            hits = self._pg_hits_by_id(best[start:], tsquery, words, now)
        else:
            hits = self._pg_page(request, tiers, words, tsquery, match, live)
        return SearchResults(
            count=count, hits=hits, facets=facets, page=request.page, page_size=request.page_size
        )

    def _pg_hits_by_id(
        self, best: list[tuple[int, float]], tsquery: Fragment, words: list[str], now: datetime
    ) -> list[SearchHit]:
        """The page's hits, already ranked: their texts and headlines."""
        if not best:
            return []
        columns, join = _headlines(tsquery)
        sql = (
            Fragment(
                "SELECT e.id, e.call_id, e.title, e.url, e.call_type, e.issuer, e.issuer_slug,"
                " e.sectors, e.opens_at, e.closes_at, e.closed_early, e.summary, 0.0, "
            )
            + columns
            + Fragment(" FROM search_searchentry e")
            + join
            + Fragment(" WHERE e.id = ANY(%s)", [[entry_id for entry_id, _ in best]])
        )
        with connection.cursor() as cursor:
            cursor.execute(*sql)
            rows = {row[0]: row[1:] for row in cursor.fetchall()}
        hits = []
        for entry_id, rank in best:
            hit = self._pg_hit(rows[entry_id], now, words)
            hit.score = float(rank)
            hits.append(hit)
        return hits

    def _pg_counts(self, where: Fragment, tiers: Tiers) -> tuple[int, int]:
        """The total and the number of calls not closed, without facets."""
        live = "count(*) FILTER (WHERE NOT (closes_at <= %s OR closed_early))"
        parts = [
            Fragment(f"SELECT count(*) AS n, {live} AS live FROM {table} WHERE ", [tiers.now])  # noqa: S608
            + where
            for table in TIER_TABLES
        ]
        union = Fragment.join(" UNION ALL ", parts)
        sql = Fragment("SELECT COALESCE(sum(n), 0), COALESCE(sum(live), 0) FROM (") + union
        with connection.cursor() as cursor:
            cursor.execute(*(sql + Fragment(") AS t")))
            total, live_count = cursor.fetchone()
            return int(total), int(live_count)

    def _pg_groups(
        self,
        match: Fragment,
        tiers: Tiers,
        browsing: bool,
        top: TopLive | None = None,
        word: str | None = None,
        lone: tuple[str, list[str]] | None = None,
    ) -> tuple[list[tuple], list[tuple[int, float]]]:
        """Matching calls counted by facet key and state (``STATES``), and ``top``'s best.

        The hot tier is grouped with each call's state at ``now``. Settled calls are
        all closed whenever ``now`` is past the horizon: they are grouped by facet key
        alone, and when nothing narrows the match (browsing) their counts are read
        from ``search_facetkey`` instead of from 80 % of the index. For a query of one
        ``word``, its settled counts and its hot ranks are read when they are kept
        (``CommonWord``, ``RankedWord``). For a query of several words, ``lone`` (its
        tsquery text and the words that are a lexeme each) may hold common words:
        the settled matches are then the most frequent one's counts plus the matches
        of the query that do not hold it (``search_vector @@ q && !! 'word'``), which
        the GIN index finds without reading the rows that hold it.
        """
        state = Fragment(STATE_SQL, tiers.state_params())
        hot_match = match
        ranked_hot = None
        if word is not None:
            # A word in most hot calls has its hot ranks kept (migration 0013): the
            # hot calls are then counted, and the best live ones read in rank order,
            # from ``search_hotwordrank``'s index. Either that or the hot matches are
            # read, as the one-time EXISTS filters decide before any scan.
            ranked = "EXISTS (SELECT FROM search_rankedword WHERE lexeme = %s)"
            hot_match = match & Fragment(f"NOT {ranked}", [word])
            ranked_hot = Fragment(
                f"FROM search_hotwordrank WHERE lexeme = %s AND {ranked}", [word, word]
            )
        if top is None:
            hot = Fragment("SELECT facet_key, ") + state
            hot += Fragment(" AS state, count(*) AS n FROM search_hotentry WHERE ") + hot_match
            hot += Fragment(" GROUP BY 1, 2")
            head = Fragment("WITH ")
        else:
            # One pass over the hot matches: each is counted, and ranked if it is live
            # and passes the filters.
            best = Fragment(
                "SELECT entry_id, rank, closes_at, call_id FROM h WHERE rank IS NOT NULL"
                " ORDER BY rank DESC, closes_at, call_id LIMIT %s",
                [top.limit],
            )
            if ranked_hot is not None:
                best = (
                    Fragment("(")
                    + best
                    + Fragment(") UNION ALL (SELECT entry_id, rank::real, closes_at, call_id ")
                    + ranked_hot
                    + Fragment(" AND ")
                    + top.where
                    + Fragment(" ORDER BY rank DESC, closes_at, call_id LIMIT %s)", [top.limit])
                )
            head = (
                Fragment("WITH h AS MATERIALIZED (SELECT entry_id, facet_key, ")
                + state
                + Fragment(" AS state, closes_at, call_id, CASE WHEN ")
                + top.where
                + Fragment(" THEN ")
                + top.rank
                + Fragment(" END AS rank FROM search_hotentry WHERE ")
                + hot_match
                + Fragment("), best AS (")
                + best
                + Fragment("), ")
            )
            hot = Fragment("SELECT facet_key, state, count(*) AS n FROM h GROUP BY 1, 2")
        if ranked_hot is not None:
            hot = (
                hot
                + Fragment(" UNION ALL SELECT facet_key, ")
                + state
                + Fragment(", count(*) ")
                + ranked_hot
                + Fragment(" GROUP BY 1, 2")
            )
        if tiers.settled_closed and browsing:
            settled = Fragment("SELECT id, 0, settled FROM search_facetkey WHERE settled > 0")
        elif tiers.settled_closed and word is not None:
            # A common word's settled counts are kept (migration 0011); otherwise the
            # settled matches are grouped. The NOT EXISTS is evaluated once, before
            # the scan, which it skips when the counts are there.
            settled = Fragment(
                "SELECT facet_key, 0, n FROM search_settledwordcount WHERE lexeme = %s"
                " AND n > 0 AND EXISTS (SELECT FROM search_commonword WHERE lexeme = %s)"
                " UNION ALL SELECT facet_key, 0, count(*) FROM search_settledentry WHERE ",
                [word, word],
            )
            settled += match
            settled += Fragment(
                " AND NOT EXISTS (SELECT FROM search_commonword WHERE lexeme = %s) GROUP BY 1",
                [word],
            )
        elif tiers.settled_closed and lone is not None:
            # No common word among them (NULL) leaves the query whole.
            tsquery, lexemes = lone
            common = Fragment(
                "(SELECT lexeme FROM search_commonword WHERE lexeme = ANY(%s)"
                " ORDER BY ndoc DESC, lexeme LIMIT 1)",
                [lexemes],
            )
            settled = (
                Fragment("SELECT facet_key, 0, n FROM search_settledwordcount WHERE lexeme = ")
                + common
                + Fragment(
                    " AND n > 0 UNION ALL SELECT facet_key, 0, count(*)"
                    " FROM search_settledentry WHERE search_vector @@ CASE WHEN "
                )
                + common
                + Fragment(" IS NULL THEN %s::tsquery ELSE %s::tsquery && !! ", [tsquery, tsquery])
                + Fragment("search_lexeme_tsquery(")
                + common
                + Fragment(") END GROUP BY 1")
            )
        else:
            # Grouping by the key alone when the state is the same for every row
            # saves a tenth of the statement (hashing a constant column).
            settled_state = Fragment("0") if tiers.settled_closed else state
            settled = Fragment("SELECT facet_key, ") + settled_state
            settled += Fragment(", count(*) FROM search_settledentry WHERE ") + match
            settled += Fragment(" GROUP BY 1" if tiers.settled_closed else " GROUP BY 1, 2")
        sql = head + Fragment("g AS (") + hot + Fragment(" UNION ALL ") + settled
        sql += Fragment(") SELECT facet_key, state, n, NULL::real FROM g")
        if top is not None:
            sql += Fragment(
                " UNION ALL SELECT entry_id, NULL, row_number() OVER"
                " (ORDER BY rank DESC, closes_at, call_id), rank FROM best"
            )
        with connection.cursor() as cursor:
            cursor.execute(*sql)
            rows = cursor.fetchall()
        groups = [row[:3] for row in rows if row[3] is None and row[1] is not None]
        best = sorted((row for row in rows if row[1] is None), key=lambda row: row[2])
        return groups, [(row[0], row[3]) for row in best]

    def _pg_page(
        self,
        request: SearchRequest,
        tiers: Tiers,
        words: list[str],
        tsquery: Fragment | None,
        match: Fragment,
        live: int,
    ) -> list[SearchHit]:
        """The requested page, in ``_order``'s order, with scores and headlines."""
        now = tiers.now
        start = (request.page - 1) * request.page_size
        if tsquery is None:
            candidates = Fragment("SELECT id, closes_at, call_id, published_at, closed_early ")
            candidates += Fragment("FROM search_searchentry WHERE ") + match
            candidates += Fragment(" AND ") + _pg_filters(request, now)
            return self._pg_page_rows(request, start, words, None, candidates, live, now)
        where = match & _pg_filters(request, now, tiers)
        closed = Fragment(CLOSED_SQL, [now])

        def tier(table: str, condition: Fragment | None = None) -> Fragment:
            columns = "entry_id AS id, closes_at, call_id, published_at, closed_early"
            sql = Fragment(f"SELECT {columns}, search_vector FROM {table} WHERE ")  # noqa: S608
            return sql + (where if condition is None else where & condition)

        hot_side = tiers.settled_closed and request.sort in ("relevance", "closing")
        if hot_side and live >= start + request.page_size:
            # The page is made of calls not closed: they are all in the hot tier,
            # whose vectors are inline, and only they are ranked.
            candidates = tier("search_hotentry", ~closed)
        elif hot_side and start >= live:
            # The page is made of closed calls: the settled tier and the calls of the
            # hot tier that have closed since the horizon.
            candidates = Fragment.join(
                " UNION ALL ",
                [tier("search_hotentry", closed), tier("search_settledentry")],
            )
        else:
            candidates = Fragment.join(
                " UNION ALL ", [tier("search_hotentry"), tier("search_settledentry")]
            )
        return self._pg_page_rows(request, start, words, tsquery, candidates, live, now)

    def _pg_page_rows(
        self,
        request: SearchRequest,
        start: int,
        words: list[str],
        tsquery: Fragment | None,
        candidates: Fragment,
        live: int,
        now: datetime,
    ) -> list[SearchHit]:
        by_relevance = request.sort == "relevance" and tsquery is not None
        if request.sort in ("relevance", "closing"):
            keys = ["is_closed", "rank DESC"] if by_relevance else ["is_closed"]
            keys += ["closes_at", "call_id"]
            # Closed calls come last: when the calls that are not closed fill the
            # page, or are all before it, only one side needs ranking and sorting,
            # and is_closed, the same on every row, is left out of the sort. Without
            # words the page is then the first rows of the closes_at index.
            closed = Fragment(CLOSED_SQL, [now])
            if live >= start + request.page_size:
                candidates = Fragment("SELECT * FROM (") + candidates + Fragment(") AS c1")
                candidates += Fragment(" WHERE NOT ") + closed
                keys.remove("is_closed")
            elif start >= live:
                candidates = Fragment("SELECT * FROM (") + candidates + Fragment(") AS c1")
                candidates += Fragment(" WHERE ") + closed
                keys.remove("is_closed")
                start -= live
        elif request.sort == "newest":
            keys = ["published_at DESC NULLS LAST", "call_id"]
        else:  # recently_closed
            keys = ["closes_at DESC", "call_id"]
        rank = (
            Fragment(f"ts_rank({RANK_WEIGHTS}, c.search_vector, ") + tsquery + Fragment(")")
            if by_relevance
            else Fragment("0.0")
        )
        page = (
            Fragment("WITH page AS (SELECT c.id, ")
            + rank
            + Fragment(" AS rank, ")
            + Fragment(CLOSED_SQL, [now])
            + Fragment(" AS is_closed, c.closes_at, c.call_id, c.published_at FROM (")
            + candidates
            + Fragment(
                f") AS c ORDER BY {', '.join(keys)} LIMIT %s OFFSET %s)",
                [request.page_size, start],
            )
        )
        if tsquery is None:
            headlines, headlines_join = Fragment("NULL, NULL"), Fragment("")
        else:
            headlines, headlines_join = _headlines(tsquery)
        if by_relevance:
            score, joins = Fragment("page.rank"), ""
        elif tsquery is not None:
            vector = "COALESCE(h.search_vector, s.search_vector)"
            score = Fragment(f"ts_rank({RANK_WEIGHTS}, {vector}, ") + tsquery + Fragment(")")
            joins = (
                " LEFT JOIN search_hotentry h ON h.entry_id = page.id"
                " LEFT JOIN search_settledentry s ON s.entry_id = page.id"
            )
        else:
            score, joins = Fragment("0.0"), ""
        sql = (
            page
            + Fragment(
                " SELECT e.call_id, e.title, e.url, e.call_type, e.issuer, e.issuer_slug,"
                " e.sectors, e.opens_at, e.closes_at, e.closed_early, e.summary, "
            )
            + score
            + Fragment(", ")
            + headlines
            + Fragment(" FROM page JOIN search_searchentry e ON e.id = page.id")
            + headlines_join
            + Fragment(f"{joins} ORDER BY {', '.join(f'page.{key}' for key in keys)}")
        )
        with connection.cursor() as cursor:
            cursor.execute(*sql)
            rows = cursor.fetchall()
        return [self._pg_hit(row, now, words) for row in rows]

    def _pg_hit(self, row: tuple, now: datetime, words: list[str]) -> SearchHit:
        (
            call_id,
            title,
            url,
            call_type,
            issuer,
            issuer_slug,
            sectors,
            opens_at,
            closes_at,
            closed_early,
            summary,
            score_value,
            summary_headline,
            body_headline,
        ) = row
        return SearchHit(
            call_id=call_id,
            title=title,
            url=url,
            call_type=call_type,
            issuer=issuer,
            issuer_slug=issuer_slug,
            sectors=sectors.split(),
            opens_at=opens_at,
            closes_at=closes_at,
            status=status_at(opens_at, closes_at, closed_early, now),
            summary=summary,
            highlight=highlight_html(summary_headline, body_headline, summary, words),
            score=float(score_value or 0.0),
        )

    def _hit(self, entry: SearchEntry, now: datetime, words: list[str]) -> SearchHit:
        return SearchHit(
            call_id=entry.call_id,
            title=entry.title,
            url=entry.url,
            call_type=entry.call_type,
            issuer=entry.issuer,
            issuer_slug=entry.issuer_slug,
            sectors=entry.sector_codes,
            opens_at=entry.opens_at,
            closes_at=entry.closes_at,
            status=status_at(entry.opens_at, entry.closes_at, entry.closed_early, now),
            summary=entry.summary,
            highlight=mark_words(entry.summary, words),
            score=float(getattr(entry, "rank", 0.0) or 0.0),
        )

    def autocomplete(self, prefix: str, limit: int = 8) -> list[str]:
        # A NUL is never in a title, and PostgreSQL refuses it in a parameter (a 500).
        folded = fold(prefix).replace("\x00", "").strip()
        if len(folded) < 2:
            return []
        entries = SearchEntry.objects.filter(
            Q(folded_text__startswith=folded) | Q(folded_text__contains=f" {folded}")
        )
        return list(entries.order_by("-closes_at").values_list("title", flat=True)[:limit])

    def health(self) -> dict:
        return {
            "engine": f"database ({connection.vendor})",
            "documents": SearchEntry.objects.count(),
        }


# ``_upsert_postgres``' columns (``_row``'s, and the key) with their array types.
UPSERT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("call_id", "varchar"),
    ("version", "integer"),
    ("title", "varchar"),
    ("summary", "text"),
    ("body", "text"),
    ("keywords", "text"),
    ("call_type", "varchar"),
    ("issuer", "varchar"),
    ("issuer_slug", "varchar"),
    ("sectors", "varchar"),
    ("location", "varchar"),
    ("url", "varchar"),
    ("opens_at", "timestamptz"),
    ("closes_at", "timestamptz"),
    ("closed_early", "boolean"),
    ("published_at", "timestamptz"),
    ("folded_text", "text"),
)
# ts_rank's weights for D, C, B, A, as ``SearchRank(weights=[0.1, 0.3, 0.6, 1.0])``.
RANK_WEIGHTS = "'{0.1,0.3,0.6,1.0}'::float4[]"
# ``ts_headline``'s options: the whole summary with its matches marked, or up to two
# fragments of the body around its matches, as the Elasticsearch backend shows.
MARKS = f"StartSel='{MARK_START}', StopSel='{MARK_STOP}'"
SUMMARY_HEADLINE = f"{MARKS}, HighlightAll=true"
BODY_HEADLINE = f'{MARKS}, MaxFragments=2, MaxWords=24, MinWords=12, FragmentDelimiter=" … "'

# The state code of ``_pg_groups`` → (statuses, deadline bucket) at the search's ``now``.
# 9 is a call whose dates say both upcoming and closed: ``status_q`` counts it in both.
STATES: dict[int, tuple[tuple[str, ...], str]] = {
    0: (("closed",), ""),
    9: (("upcoming", "closed"), ""),
    11: (("open",), "week"),
    12: (("open",), "month"),
    13: (("open",), "later"),
    21: (("upcoming",), "week"),
    22: (("upcoming",), "month"),
    23: (("upcoming",), "later"),
}
LIVE_STATES = frozenset({11, 12, 13, 21, 22, 23})
# ``_facets_from_groups``' verdicts beside a facet's name: every filter passes, or
# more than one fails.
PASSES, FAILS = "", "*"


class Fragment:
    """A piece of SQL and its parameters, so that pieces compose in order."""

    __slots__ = ("params", "sql")

    def __init__(self, sql: str, params: Sequence = ()) -> None:
        self.sql, self.params = sql, list(params)

    def __add__(self, other: Fragment) -> Fragment:
        return Fragment(self.sql + other.sql, self.params + other.params)

    def __and__(self, other: Fragment) -> Fragment:
        return Fragment(f"{self.sql} AND {other.sql}", self.params + other.params)

    def __invert__(self) -> Fragment:
        return Fragment(f"NOT {self.sql}", self.params)

    def __iter__(self) -> Iterator:
        """``cursor.execute(*fragment)``."""
        return iter((self.sql, self.params))

    @staticmethod
    def join(separator: str, fragments: Sequence[Fragment]) -> Fragment:
        return Fragment(
            separator.join(f.sql for f in fragments), [p for f in fragments for p in f.params]
        )


@dataclass(frozen=True)
class Tiers:
    """Where the matches are (migration 0008), seen from the search's ``now``."""

    now: datetime
    horizon: datetime | None  # None: no horizon yet, every call is in the hot tier
    keys: dict[int, tuple[str, str, tuple[str, ...]]]

    @property
    def settled_closed(self) -> bool:
        """Every settled call is closed at ``now`` (not so for a search in the past)."""
        return self.horizon is None or self.now >= self.horizon

    def state_params(self) -> list[datetime]:
        now = self.now
        return [now, now, now, now + timedelta(days=7), now + timedelta(days=31)]


@dataclass(frozen=True)
class TopLive:
    """The best live matches of the hot tier, ranked while they are counted."""

    rank: Fragment
    where: Fragment
    limit: int


# facet_key → (call_type, issuer_slug, sector codes). A key's meaning never changes
# (its row only has its count updated), so the map is kept for the process and
# reloaded when keys are added (or the table was emptied and refilled).
_facet_keys: dict[int, tuple[str, str, tuple[str, ...]]] = {}
_facet_keys_version: tuple = ()


@dataclass
class Prelude:
    """What a search needs to know before it matches (``_reading``)."""

    tiers: Tiers
    known_words: set[str]  # the vocabulary's share of ``typo_checked(words)``
    tsquery: str  # the words OR-ed, as tsquery text
    issuer_order: list[str]  # the organisations' slugs, in their model's order


@contextmanager
def _reading(now: datetime, words: list[str]) -> Iterator[Prelude]:
    """A transaction for one search, and its ``Prelude`` read in one round trip.

    One statement asks for the horizon, the facet keys' version, which query words
    the vocabulary knows, the words' tsquery and the organisations, and, with words,
    switches sequential scans off for the transaction: the heap rows are narrow, so
    for a word in most calls (``innovation``: 82 %) the planner prices a sequential
    scan below a bitmap scan of the GIN index, without pricing the ``@@`` test of
    every row, which reads each vector back from TOAST (0.7–1.5 s against 130 ms
    through the index at 100 000 calls, whose match needs no recheck). The setting
    is local to the transaction; inside a caller's transaction it is put back
    afterwards, so that the caller keeps its own.
    """
    global _facet_keys_version
    from organisations.models import Organisation

    outer = connection.in_atomic_block
    issuers_sql, issuers_params = Organisation.objects.values_list(
        "slug", flat=True
    ).query.sql_with_params()
    words_tsquery = " || ".join(f"plainto_tsquery('{CONFIG}'::regconfig, %s)" for _ in words)
    seqscan = "set_config('enable_seqscan', 'off', true)" if words else "NULL"
    sql = f"""SELECT current_setting('enable_seqscan'), {seqscan},
        (SELECT settled_before FROM search_searchhorizon WHERE id = 1),
        (SELECT max(id) FROM search_facetkey), (SELECT count(*) FROM search_facetkey),
        ARRAY(SELECT word FROM search_searchword WHERE word = ANY(%s)),
        ({words_tsquery or "''::tsquery"})::text,
        ARRAY({issuers_sql})"""  # noqa: S608 (fixed SQL and the ORM's)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(sql, [typo_checked(words), *words, *issuers_params])
        previous, _, horizon, max_key, key_count, known, tsquery, issuers = cursor.fetchone()
        if (max_key, key_count) != _facet_keys_version:
            _load_facet_keys()
            _facet_keys_version = (max_key, key_count)
        tiers = Tiers(now=now, horizon=horizon, keys=_facet_keys)
        try:
            yield Prelude(tiers, set(known), tsquery, list(issuers))
        finally:
            if outer and words:
                cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [previous])


def _load_facet_keys() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, call_type, issuer_slug, sectors FROM search_facetkey")
        _facet_keys.clear()
        _facet_keys.update(
            (key, (call_type, issuer, tuple(sectors.split())))
            for key, call_type, issuer, sectors in cursor.fetchall()
        )


def settle(upto: datetime | None = None) -> int:
    """Move calls closed before ``upto`` (an hour ago) to the settled tier; how many moved.

    PostgreSQL only. The hot tier stays the size of the calls still open, so ranking
    and browsing stay fast as the years of closed calls pile up.
    """
    if connection.vendor != "postgresql":
        return 0
    upto = upto or timezone.now() - timedelta(hours=1)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT search_settle(%s)", [upto])
        return cursor.fetchone()[0]


# Words in at least this share of the settled calls have their settled counts kept
# per facet key (migration 0011).
COMMON_WORD_SHARE = 0.1


def forget_common_words() -> None:
    """Stop counting common words and ranking ranked words until they are chosen again
    (``refresh_common_words``, ``refresh_ranked_words``)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_settledwordcount")
            cursor.execute("DELETE FROM search_commonword")
            cursor.execute("DELETE FROM search_hotwordrank")
            cursor.execute("DELETE FROM search_rankedword")
            cursor.execute("UPDATE search_searchhorizon SET words_refreshed_at = NULL")


def refresh_common_words(*, force: bool = False, share: float = COMMON_WORD_SHARE) -> int | None:
    """Choose again the words whose settled counts are kept; how many, or None if not due.

    PostgreSQL only. Due once a day, or as soon as the settled tier has grown or
    shrunk by a tenth since the last choice: reading every settled vector
    (``ts_stat``) takes a second or two at 100 000 calls.
    """
    if connection.vendor != "postgresql":
        return None
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT h.words_refreshed_at, h.words_settled,"
            " (SELECT count(*) FROM search_settledentry)"
            " FROM search_searchhorizon h WHERE h.id = 1"
        )
        row = cursor.fetchone()
        if row is None:
            return None  # nothing was ever indexed
        refreshed_at, settled_then, settled_now = row
        due = (
            force
            or refreshed_at is None
            or timezone.now() - refreshed_at > timedelta(days=1)
            or abs(settled_now - settled_then) > settled_then / 10
        )
        if not due:
            return None
        cursor.execute("SELECT search_words_refresh(%s)", [share])
        return cursor.fetchone()[0]


# Words in at least this share of the hot calls have their hot ranks kept
# (migration 0013). At half, a hot call holds a few dozen of them in the benchmark's
# templated corpus (42 on average), far fewer in real calls.
RANKED_WORD_SHARE = 0.5


def refresh_ranked_words(*, share: float = RANKED_WORD_SHARE) -> int | None:
    """Choose again the words whose hot ranks are kept; how many (None off PostgreSQL).

    ``maintain()`` calls it whenever it chooses the common words again (once a day,
    or when the settled tier changed by a tenth), in a transaction of its own: it
    locks the hot tier (SHARE) while it reads every hot vector (``ts_stat``, about a
    second at 17 000 hot calls) and ranks the calls for the new words, and taking
    that lock while holding the settled tier's could deadlock with a writer.
    """
    if connection.vendor != "postgresql":
        return None
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT search_ranked_words_refresh(%s)", [share])
        return cursor.fetchone()[0]


# The tier tables of migration 0008, hot first.
TIER_TABLES = ("search_hotentry", "search_settledentry")
CLOSED_SQL = "(closes_at <= %s OR closed_early)"
# A call's state at the search's now (``Tiers.state_params``): see ``STATES``.
STATE_SQL = """CASE WHEN closed_early THEN 0
     WHEN closes_at <= %s THEN CASE WHEN opens_at > %s THEN 9 ELSE 0 END
     ELSE CASE WHEN opens_at > %s THEN 20 ELSE 10 END
          + CASE WHEN closes_at <= %s THEN 1 WHEN closes_at <= %s THEN 2 ELSE 3 END
END"""


SINGLE_LEXEME_RE = re.compile(r"'((?:[^']|'')+)'")


def _lone_lexemes(tsquery: str) -> list[str]:
    """The lexemes that are a whole top-level alternative of ``tsquery``.

    ``'port' | 'decarbon' | 'e' & 'commerc'`` gives ``['port', 'decarbon']``: the
    query is "port, or decarbon, or both e and commerc", so a call not holding
    ``port`` matches exactly when it matches the query without that alternative.
    """
    alternatives, depth, start, quoted = [], 0, 0, False
    for i, char in enumerate(tsquery):
        if char == "'":
            quoted = not quoted  # a doubled quote toggles twice
        elif not quoted and char in "()":
            depth += 1 if char == "(" else -1
        elif not quoted and depth == 0 and char == "|":
            alternatives.append(tsquery[start:i].strip())
            start = i + 1
    alternatives.append(tsquery[start:].strip())
    return [lexeme for part in alternatives if (lexeme := _single_lexeme(part))]


def _single_lexeme(tsquery: str) -> str | None:
    """The lexeme of a tsquery made of one plain lexeme (``'innov'``), else None."""
    found = SINGLE_LEXEME_RE.fullmatch(tsquery)
    return found.group(1).replace("''", "'") if found else None


def _pg_tsquery(terms: Sequence[str]) -> str:
    """The terms OR-ed (``plainto_tsquery`` of each), as tsquery text.

    Computed once and passed to each statement as a constant: the planner would
    otherwise fold every ``plainto_tsquery`` call of every statement itself.
    """
    sql = " || ".join(f"plainto_tsquery('{CONFIG}'::regconfig, %s)" for _ in terms)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ({sql})::text", list(terms))
        return cursor.fetchone()[0]


def _pg_filters(request: SearchRequest, now: datetime, tiers: Tiers | None = None) -> Fragment:
    """``_filters`` as SQL, without the date range (already part of the match).

    On a tier table (``tiers`` given), type, sectors and issuer are checked in
    Python against the facet keys, and the rows are asked for one of the keys that
    pass: a constant array, rather than a subquery evaluated for each match.
    """
    if tiers is not None:
        keys = _key_filter(request, tiers.keys)
        return _status_filters(request, now, [keys.sql], list(keys.params))
    keys = Fragment("TRUE")
    if request.call_types:
        keys &= Fragment("call_type = ANY(%s)", [list(request.call_types)])
    if request.sectors:
        keys &= Fragment(
            "(" + " OR ".join("strpos(sectors, %s) > 0" for _ in request.sectors) + ")",
            [f" {code} " for code in request.sectors],
        )
    if request.issuers:
        keys &= Fragment("issuer_slug = ANY(%s)", [list(request.issuers)])
    return _status_filters(request, now, [keys.sql], list(keys.params))


def _key_filter(
    request: SearchRequest, keys: dict[int, tuple[str, str, tuple[str, ...]]]
) -> Fragment:
    """The facet keys whose type, issuer and sectors pass the request's filters."""
    if not (request.call_types or request.sectors or request.issuers):
        return Fragment("TRUE")
    call_types, issuers, sectors = set(request.call_types), set(request.issuers), request.sectors
    passing = [
        key
        for key, (call_type, issuer_slug, codes) in keys.items()
        if (not call_types or call_type in call_types)
        and (not issuers or issuer_slug in issuers)
        and (not sectors or any(code in codes for code in sectors))
    ]
    return Fragment("facet_key = ANY(%s)", [passing])


def _status_filters(
    request: SearchRequest, now: datetime, sql: list[str], params: list
) -> Fragment:
    """``sql`` and the status and deadline filters, on the rows' own dates."""
    status_sql = {
        "upcoming": ("(opens_at > %s AND NOT closed_early)", 1),
        "open": ("(opens_at <= %s AND closes_at > %s AND NOT closed_early)", 2),
        "closed": ("(closes_at <= %s OR closed_early)", 1),
    }
    if request.statuses:
        parts = []
        for status in request.statuses:
            part, n = status_sql.get(status, status_sql["closed"])
            parts.append(part)
            params += [now] * n
        sql.append("(" + " OR ".join(parts) + ")")
    if request.deadline:
        week, month = now + timedelta(days=7), now + timedelta(days=31)
        sql.append("(closes_at > %s AND NOT closed_early)")
        params.append(now)
        if request.deadline == "week":
            sql.append("closes_at <= %s")
            params.append(week)
        elif request.deadline == "month":
            sql.append("closes_at > %s AND closes_at <= %s")
            params += [week, month]
        else:
            sql.append("closes_at > %s")
            params.append(month)
    return Fragment(" AND ".join(sql), params)


def _facets_from_groups(
    groups: list[tuple],
    request: SearchRequest,
    keys: dict[int, tuple[str, str, tuple[str, ...]]],
    issuer_order: list[str],
) -> tuple[dict[str, dict[str, int]], int, int]:
    """Facets, total and number of calls not closed, from ``_pg_groups``' rows.

    A group counts in the total when it passes every filter, and in a facet when it
    passes every filter but that facet's own, as ``_facets_and_count`` does. Each
    facet key and each state is first given the one filter it fails, if only one
    (``PASSES``, a facet name, or ``FAILS``), so that the loop over the thousand-odd
    groups only sums: it ran for every search, and cost 2–3 ms when it checked
    the filters of every group.
    """
    from calls.constants import SECTORS, CallType

    if any(key not in keys for key, _, _ in groups):
        _load_facet_keys()  # keys written since ``_reading`` looked
    call_types, issuers, sectors = set(request.call_types), set(request.issuers), request.sectors
    statuses, deadline = set(request.statuses), request.deadline

    def verdict(checks: tuple[tuple[str, bool], ...]) -> str:
        failed = [facet for facet, ok in checks if not ok]
        return PASSES if not failed else failed[0] if len(failed) == 1 else FAILS

    state_verdict = {
        state: verdict(
            (
                ("status", not statuses or not statuses.isdisjoint(row_statuses)),
                ("deadline", not deadline or row_deadline == deadline),
            )
        )
        for state, (row_statuses, row_deadline) in STATES.items()
    }
    key_verdict: dict[int, str] = {}
    if call_types or issuers or sectors:
        for key, (call_type, issuer_slug, codes) in keys.items():
            key_verdict[key] = verdict(
                (
                    ("type", not call_types or call_type in call_types),
                    ("issuer", not issuers or issuer_slug in issuers),
                    ("sector", not sectors or any(code in codes for code in sectors)),
                )
            )
    passing_keys: dict[int, int] = {}  # groups passing every filter, per key
    passing_states: dict[int, int] = {}  # the same, per state
    # Groups failing one filter only, per key (type, issuer, sector) or state.
    one_failed: dict[str, dict[int, int]] = {
        facet: {} for facet in ("type", "issuer", "sector", "status", "deadline")
    }
    for key, state, n in groups:
        by_key = key_verdict.get(key, PASSES)
        by_state = state_verdict[state]
        if by_key is PASSES:
            if by_state is PASSES:
                passing_keys[key] = passing_keys.get(key, 0) + n
                passing_states[state] = passing_states.get(state, 0) + n
            elif by_state is not FAILS:
                bucket = one_failed[by_state]
                bucket[state] = bucket.get(state, 0) + n
        elif by_state is PASSES and by_key is not FAILS:
            bucket = one_failed[by_key]
            bucket[key] = bucket.get(key, 0) + n
    counts: dict[str, dict[str, int]] = {
        f: {} for f in ("type", "issuer", "sector", "status", "deadline")
    }
    for facet, position in (("type", 0), ("issuer", 1), ("sector", 2)):
        bucket = counts[facet]
        for source in (passing_keys, one_failed[facet]):
            for key, n in source.items():
                value = keys[key][position]
                for item in value if facet == "sector" else (value,):
                    bucket[item] = bucket.get(item, 0) + n
    for facet in ("status", "deadline"):
        bucket = counts[facet]
        for source in (passing_states, one_failed[facet]):
            for state, n in source.items():
                row_statuses, row_deadline = STATES[state]
                values = row_statuses if facet == "status" else (row_deadline,)
                for item in values:
                    if item:
                        bucket[item] = bucket.get(item, 0) + n
    order = {
        "type": CallType.values,
        "issuer": issuer_order,
        "sector": [code for code, _ in SECTORS],
        "status": ["open", "upcoming", "closed"],
        "deadline": ["week", "month", "later"],
    }
    facets = {
        facet: {value: counts[facet][value] for value in values if counts[facet].get(value)}
        for facet, values in order.items()
    }
    total = sum(passing_keys.values())
    live = sum(n for state, n in passing_states.items() if state in LIVE_STATES)
    return facets, total, live


def _headlines(tsquery: Fragment) -> tuple[Fragment, Fragment]:
    """Two columns of ``search_searchentry e``, and the join they need: the summary's
    headline, and the body's fragments when the summary has no match.

    The body is only parsed for the hits whose match is elsewhere: most hits match
    in their summary, and parsing the 20 bodies was most of the page's cost. The
    summary's headline is computed once, in a lateral subquery that ``OFFSET 0``
    keeps PostgreSQL from inlining into both places that use it.
    """
    columns = (
        Fragment(
            "hl.summary_headline, CASE WHEN strpos(hl.summary_headline, %s) = 0 THEN ", [MARK_START]
        )
        + Fragment(f"ts_headline('{CONFIG}'::regconfig, e.body, ")
        + tsquery
        + Fragment(", %s) END", [BODY_HEADLINE])
    )
    join = (
        Fragment(f" CROSS JOIN LATERAL (SELECT ts_headline('{CONFIG}'::regconfig, e.summary, ")
        + tsquery
        + Fragment(", %s) AS summary_headline OFFSET 0) AS hl", [SUMMARY_HEADLINE])
    )
    return columns, join


def highlight_html(
    summary_headline: str | None, body_headline: str | None, summary: str, words: list[str]
) -> str:
    """A hit's snippet as safe HTML, as the Elasticsearch backend gives it.

    The summary with its matches marked if it has any, else the body's fragments
    around its matches, else the summary (marked by prefix when there are no
    headlines, i.e. no query PostgreSQL could parse).
    """
    for headline in (summary_headline, body_headline):
        if headline and MARK_START in headline:
            return escape(headline).replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>")
    if summary_headline is None:
        return mark_words(summary, words)
    return escape(summary)


def mark_words(text: str, words: list[str]) -> str:
    """Escape ``text`` and wrap the words that fold to a query word in ``<mark>``."""
    if not words:
        return escape(text)
    out = []
    for token in re.split(r"(\w+)", text):
        folded = fold(token)
        if token and any(folded.startswith(w) for w in words):
            out.append(f"<mark>{escape(token)}</mark>")
        else:
            out.append(escape(token))
    return "".join(out)
