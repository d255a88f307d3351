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
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
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
from search.fuzzy import typo_candidates
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
        if not call_ids:
            return
        if not self.is_postgres:
            sqlite_fts.replace(
                list(
                    SearchEntry.objects.filter(call_id__in=call_ids).values_list(
                        "pk", "title", "summary", "keywords", "body"
                    )
                )
            )
            return
        SearchEntry.objects.filter(call_id__in=call_ids).update(
            search_vector=(
                SearchVector("title", weight="A", config=CONFIG)
                + SearchVector("summary", "keywords", weight="B", config=CONFIG)
                + SearchVector("body", "issuer", "location", weight="C", config=CONFIG)
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

    def _learn_words(self, documents: list[CallDocument]) -> None:
        words = set()
        for d in documents:
            text = " ".join([d.title, d.summary, d.body, *d.keywords])
            words.update(w for w in WORD_RE.findall(fold(text)) if 3 <= len(w) <= 60)
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
