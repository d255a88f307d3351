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
from datetime import datetime, timedelta

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
)
from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Concat
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
from search.fuzzy import typo_candidates, typo_candidates_for
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

        On PostgreSQL there is nothing to do: the ``search_entry_vector`` trigger
        (migration 0005) builds ``search_vector`` in the upsert itself, the same
        weighted vector ``SearchVector`` used to build (title A, summary and keywords
        B, body, issuer and location C), so each row is written only once.
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
        """In one transaction: readers see the old index until the new one commits."""
        documents = list(documents)
        keep = [d.call_id for d in documents]
        self.remove(SearchEntry.objects.exclude(call_id__in=keep).values_list("call_id", flat=True))
        SearchEntry.objects.filter(call_id__in=keep).update(version=0)
        written = 0
        for start in range(0, len(documents), 1000):
            written += self.index(documents[start : start + 1000])
        return written

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

    def _matching(self, request: SearchRequest) -> tuple[QuerySet, SearchQuery | None]:
        words = query_words(request.query)
        entries = SearchEntry.objects.all()
        if not words:
            return entries.annotate(rank=Value(0.0, output_field=FloatField())), None
        if not self.is_postgres:
            expression = sqlite_fts.match_expression([[w, *typo_candidates(w)] for w in words])
            entries = entries.filter(pk__in=sqlite_fts.matching_ids(expression)).annotate(
                rank=sqlite_fts.rank(expression)
            )
            return entries, None
        ts_query = None
        for word in words:
            # A word the index does not know may be a typo of one it does.
            for term_text in (word, *typo_candidates(word)):
                term = SearchQuery(term_text, config=CONFIG, search_type="plain")
                ts_query = term if ts_query is None else ts_query | term
        entries = entries.annotate(
            rank=SearchRank(F("search_vector"), ts_query, weights=[0.1, 0.3, 0.6, 1.0])
        ).filter(search_vector=ts_query)
        return entries, ts_query

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

    def _highlight(self, entries: QuerySet, ts_query: SearchQuery | None) -> QuerySet:
        if ts_query is None:
            return entries
        return entries.annotate(
            headline=SearchHeadline(
                Concat("summary", Value(" … "), "body", output_field=TextField()),
                ts_query,
                config=CONFIG,
                start_sel=MARK_START,
                stop_sel=MARK_STOP,
                max_words=40,
                min_words=15,
                highlight_all=True,
            )
        )

    def search(self, request: SearchRequest) -> SearchResults:
        if self.is_postgres:
            return self._search_postgres(request)
        return self._search_orm(request)

    def _search_orm(self, request: SearchRequest) -> SearchResults:
        """SQLite (and the reference the PostgreSQL path must agree with)."""
        now = request.now or timezone.now()
        matching, ts_query = self._matching(request)
        facets, count = self._facets_and_count(matching, request, now)
        results = self._order(matching.filter(self._filters(request, now)), request, now)
        start = (request.page - 1) * request.page_size
        page = self._highlight(results, ts_query)[start : start + request.page_size]
        words = query_words(request.query)
        hits = [self._hit(entry, now, words) for entry in page]
        return SearchResults(
            count=count, hits=hits, facets=facets, page=request.page, page_size=request.page_size
        )

    # --- reading, PostgreSQL ------------------------------------------------------------
    #
    # The same answers as ``_search_orm``, in three statements instead of nine, written
    # for the cost that grows with the number of matching calls:
    # - the facets and the total come from one ``GROUP BY`` of the matches on the
    #   facet columns and a small state code (status and deadline bucket at ``now``);
    #   Python then applies "every filter but the facet's own" to the few hundred
    #   groups instead of PostgreSQL evaluating ~30 ``FILTER`` clauses on every row;
    # - closed calls sort after the others, so when enough calls that are not closed
    #   match to fill the page (the groups say how many), only those are ranked:
    #   ``ts_rank`` reads each ranked row's whole vector back from TOAST, and closed
    #   calls are most of the index;
    # - the text, headline and score are read for the 20 rows of the page only.

    # The benchmark's "no facets" variant turns this off to see what facets cost.
    with_facets = True

    def _search_postgres(self, request: SearchRequest) -> SearchResults:
        now = request.now or timezone.now()
        words = query_words(request.query)
        candidates = typo_candidates_for(words) if words else {}
        terms = [term for word in words for term in (word, *candidates[word])]
        tsquery_sql, tsquery_params = _tsquery_sql(terms)
        match_sql, match_params = ["TRUE"], []
        if terms:
            match_sql, match_params = [f"search_vector @@ {tsquery_sql}"], list(tsquery_params)
        if request.closes_before:
            match_sql.append("closes_at < %s")
            match_params.append(request.closes_before)
        if request.closes_after:
            match_sql.append("closes_at > %s")
            match_params.append(request.closes_after)
        where = " AND ".join(match_sql)

        filters_sql, filters_params = _pg_filters(request, now)
        with _gin_match(bool(terms)):
            if self.with_facets:
                groups = self._pg_groups(where, match_params, now)
                facets, count, live = _facets_from_groups(groups, request)
            else:
                facets = {}
                count, live = self._pg_counts(
                    f"{where} AND {filters_sql}", match_params + filters_params, now
                )
            hits = self._pg_page(
                request,
                now,
                words,
                (tsquery_sql, tsquery_params) if terms else None,
                f"{where} AND {filters_sql}",
                match_params + filters_params,
                live,
            )
        return SearchResults(
            count=count, hits=hits, facets=facets, page=request.page, page_size=request.page_size
        )

    def _pg_counts(self, where: str, params: list, now: datetime) -> tuple[int, int]:
        """The total and the number of calls not closed, without facets."""
        live = "count(*) FILTER (WHERE NOT (closes_at <= %s OR closed_early))"
        sql = f"SELECT count(*), {live} FROM search_searchentry WHERE {where}"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, [now, *params])
            return cursor.fetchone()

    def _pg_groups(self, where: str, params: list, now: datetime) -> list[tuple]:
        """Matching calls counted by type, issuer, sectors and state (``STATES``)."""
        week, month = now + timedelta(days=7), now + timedelta(days=31)
        sql = f"""
            SELECT call_type, issuer_slug, sectors,
                   CASE WHEN closed_early THEN 0
                        WHEN closes_at <= %s THEN CASE WHEN opens_at > %s THEN 9 ELSE 0 END
                        ELSE CASE WHEN opens_at > %s THEN 20 ELSE 10 END
                             + CASE WHEN closes_at <= %s THEN 1
                                    WHEN closes_at <= %s THEN 2 ELSE 3 END
                   END,
                   count(*)
            FROM search_searchentry
            WHERE {where}
            GROUP BY 1, 2, 3, 4"""  # noqa: S608 (fixed SQL fragments, values bound)
        with connection.cursor() as cursor:
            cursor.execute(sql, [now, now, now, week, month, *params])
            return cursor.fetchall()

    def _pg_page(
        self,
        request: SearchRequest,
        now: datetime,
        words: list[str],
        tsquery: tuple[str, list] | None,
        where: str,
        params: list,
        live: int,
    ) -> list[SearchHit]:
        """The requested page, in ``_order``'s order, with scores and headlines."""
        start = (request.page - 1) * request.page_size
        closed = "(closes_at <= %s OR closed_early)"
        by_relevance = request.sort == "relevance" and tsquery is not None
        rank_sql = f"ts_rank({RANK_WEIGHTS}, search_vector, {tsquery[0]})" if tsquery else "0.0"
        rank_params = list(tsquery[1]) if tsquery else []
        params = list(params)
        if request.sort in ("relevance", "closing"):
            keys = ["is_closed", "rank DESC"] if by_relevance else ["is_closed"]
            keys += ["closes_at", "call_id"]
            # Closed calls come last: when the calls that are not closed fill the
            # page, or are all before it, only one side needs ranking and sorting.
            # With words, "+ interval '0'" keeps the planner off the closes_at index:
            # it would otherwise fetch every call not closed and test each one's
            # vector, read back from TOAST, instead of using the GIN match.
            side = "(closes_at + interval '0' <= %s OR closed_early)" if tsquery else closed
            one_side = live >= start + request.page_size or start >= live
            if live >= start + request.page_size:
                where, params = f"{where} AND NOT {side}", [*params, now]
            elif start >= live:
                where, params, start = f"{where} AND {side}", [*params, now], start - live
            if one_side:
                # One side only: is_closed is the same on every row, so it is left out
                # of the sort. Without words the page is then the first rows of the
                # closes_at index (browsing, "closing") instead of a sort of every
                # call that passes the filters; the order is unchanged.
                keys.remove("is_closed")
        elif request.sort == "newest":
            keys = ["published_at DESC NULLS LAST", "call_id"]
        else:  # recently_closed
            keys = ["closes_at DESC", "call_id"]
        inner_params = [*(rank_params if by_relevance else []), now, *params]
        inner_params += [request.page_size, start]
        if tsquery:
            text = "e.summary || ' … ' || e.body"
            headline = f"ts_headline('{CONFIG}'::regconfig, {text}, {tsquery[0]}, %s)"
            outer_params = [*tsquery[1], HEADLINE_OPTIONS]
        else:
            headline, outer_params = "NULL", []
        if by_relevance:
            score = "page.rank"
        else:
            score = rank_sql.replace("search_vector", "e.search_vector")
            outer_params = rank_params + outer_params
        sql = f"""
            WITH page AS (
                SELECT id, {rank_sql if by_relevance else "0.0"} AS rank, {closed} AS is_closed,
                       closes_at, call_id, published_at
                FROM search_searchentry
                WHERE {where}
                ORDER BY {", ".join(keys)}
                LIMIT %s OFFSET %s
            )
            SELECT e.call_id, e.title, e.url, e.call_type, e.issuer, e.issuer_slug, e.sectors,
                   e.opens_at, e.closes_at, e.closed_early, e.summary, {score}, {headline}
            FROM page JOIN search_searchentry e ON e.id = page.id
            ORDER BY {", ".join(f"page.{key}" for key in keys)}"""  # noqa: S608 (as above)
        with connection.cursor() as cursor:
            cursor.execute(sql, inner_params + outer_params)
            rows = cursor.fetchall()
        hits = []
        for (
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
            headline_value,
        ) in rows:
            if headline_value is not None:
                highlight = (
                    escape(headline_value)
                    .replace(MARK_START, "<mark>")
                    .replace(MARK_STOP, "</mark>")
                )
            else:
                highlight = mark_words(summary, words)
            hits.append(
                SearchHit(
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
                    highlight=highlight,
                    score=float(score_value or 0.0),
                )
            )
        return hits

    def _hit(self, entry: SearchEntry, now: datetime, words: list[str]) -> SearchHit:
        headline = getattr(entry, "headline", None)
        if headline is not None:
            highlight = escape(headline).replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>")
        else:
            highlight = mark_words(entry.summary, words)
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
            highlight=highlight,
            score=float(getattr(entry, "rank", 0.0) or 0.0),
        )

    def autocomplete(self, prefix: str, limit: int = 8) -> list[str]:
        folded = fold(prefix).strip()
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
# ``SearchHeadline``'s options, as Django writes them.
HEADLINE_OPTIONS = (
    f"StartSel='{MARK_START}', StopSel='{MARK_STOP}', MaxWords=40, MinWords=15, HighlightAll=true"
)
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


@contextmanager
def _gin_match(active: bool) -> Iterator[None]:
    """Within the block, match words through the GIN index, never a sequential scan.

    The heap rows are narrow (migration 0005), so for a word in most calls
    (``innovation``: 82 %) the planner prices a sequential scan of the heap below a
    bitmap scan of the GIN index. But it does not price the ``@@`` test of every
    row, which reads each vector back from TOAST: 405 000 buffers and 0.7–1.5 s for
    the facet groups at 100 000 calls, against 5 250 buffers and 130 ms through the
    index, whose match needs no recheck. ``enable_seqscan`` is set for this
    transaction only (``set_config(..., true)``) and put back afterwards, so that
    a caller's enclosing transaction keeps its own setting.
    """
    if not active:
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)"
        )
        previous = cursor.fetchone()[0]
        try:
            yield
        finally:
            cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [previous])


def _tsquery_sql(terms: Sequence[str]) -> tuple[str, list[str]]:
    """The terms OR-ed, as ``SearchQuery(term, search_type="plain") | ...`` builds it."""
    sql = " || ".join(f"plainto_tsquery('{CONFIG}'::regconfig, %s)" for _ in terms)
    return f"({sql})", list(terms)


def _pg_filters(request: SearchRequest, now: datetime) -> tuple[str, list]:
    """``_filters`` as SQL, without the date range (already part of the match)."""
    sql, params = ["TRUE"], []
    if request.call_types:
        sql.append("call_type = ANY(%s)")
        params.append(list(request.call_types))
    if request.sectors:
        sql.append("(" + " OR ".join("strpos(sectors, %s) > 0" for _ in request.sectors) + ")")
        params += [f" {code} " for code in request.sectors]
    if request.issuers:
        sql.append("issuer_slug = ANY(%s)")
        params.append(list(request.issuers))
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
    return " AND ".join(sql), params


def _facets_from_groups(
    groups: list[tuple], request: SearchRequest
) -> tuple[dict[str, dict[str, int]], int, int]:
    """Facets, total and number of calls not closed, from ``_pg_groups``' rows.

    A group counts in the total when it passes every filter, and in a facet when it
    passes every filter but that facet's own, as ``_facets_and_count`` does.
    """
    from calls.constants import SECTORS, CallType
    from organisations.models import Organisation

    total = live = 0
    counts: dict[str, dict[str, int]] = {
        f: {} for f in ("type", "issuer", "sector", "status", "deadline")
    }
    call_types, issuers, sectors = set(request.call_types), set(request.issuers), request.sectors
    statuses, deadline = set(request.statuses), request.deadline
    for call_type, issuer_slug, sector_text, state, n in groups:
        codes = sector_text.split()
        row_statuses, row_deadline = STATES[state]
        failed = [
            facet
            for facet, ok in (
                ("type", not call_types or call_type in call_types),
                ("issuer", not issuers or issuer_slug in issuers),
                ("sector", not sectors or any(code in codes for code in sectors)),
                ("status", not statuses or not statuses.isdisjoint(row_statuses)),
                ("deadline", not deadline or row_deadline == deadline),
            )
            if not ok
        ]
        if not failed:
            total += n
            if state in LIVE_STATES:
                live += n
        if len(failed) > 1:
            continue
        values = {
            "type": (call_type,),
            "issuer": (issuer_slug,),
            "sector": set(codes),
            "status": row_statuses,
            "deadline": (row_deadline,) if row_deadline else (),
        }
        for facet, facet_values in values.items():
            if failed and failed[0] != facet:
                continue
            bucket = counts[facet]
            for value in facet_values:
                bucket[value] = bucket.get(value, 0) + n
    order = {
        "type": CallType.values,
        "issuer": list(Organisation.objects.values_list("slug", flat=True)),
        "sector": [code for code, _ in SECTORS],
        "status": ["open", "upcoming", "closed"],
        "deadline": ["week", "month", "later"],
    }
    facets = {
        facet: {value: counts[facet][value] for value in values if counts[facet].get(value)}
        for facet, values in order.items()
    }
    return facets, total, live


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
