"""The search interface every engine implements, and the values that cross it.

A ``CallDocument`` is what gets indexed: plain data built from a CallEvent's snapshot,
so an engine never needs the page. A ``SearchRequest`` is a validated query (the page
and the API build it from request parameters); a ``SearchResults`` is what they
render. Engines differ only in how they answer; the view never asks which is in use.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

# "recently_closed" lists the most recently closed first (the archive of closed calls).
SortOrder = Literal["relevance", "closing", "newest", "recently_closed"]
FACETS = ("type", "sector", "issuer", "status", "deadline")


@dataclass(frozen=True)
class CallDocument:
    call_id: str
    version: int
    title: str
    summary: str
    body: str  # plain text of the sections
    keywords: list[str]
    call_type: str
    issuer: str  # organisation name
    issuer_slug: str
    sectors: list[str]  # codes
    location: str
    url: str
    opens_at: datetime
    closes_at: datetime
    closed_early: bool
    published_at: datetime | None


@dataclass(frozen=True)
class SearchRequest:
    query: str = ""
    call_types: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    issuers: tuple[str, ...] = ()  # organisation slugs
    statuses: tuple[str, ...] = ()  # open, upcoming, closed
    deadline: str = ""  # "week", "month", "later"
    closes_before: datetime | None = None
    closes_after: datetime | None = None
    sort: SortOrder = "relevance"
    page: int = 1
    page_size: int = 20
    now: datetime | None = None  # the clock statuses are computed against


@dataclass
class SearchHit:
    call_id: str
    title: str
    url: str
    call_type: str
    issuer: str
    issuer_slug: str
    sectors: list[str]
    opens_at: datetime
    closes_at: datetime
    status: str
    summary: str
    highlight: str  # HTML with <mark> around matched words, already escaped
    score: float = 0.0


@dataclass
class SearchResults:
    count: int
    hits: list[SearchHit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    page: int = 1
    page_size: int = 20


def status_at(opens_at: datetime, closes_at: datetime, closed_early: bool, now: datetime) -> str:
    """A document's status at ``now``: the rule of ``calls.lifecycle.compute_status``.

    Withdrawn calls are not in the index, so only these three can appear.
    """
    if closed_early or closes_at <= now:
        return "closed"
    if opens_at > now:
        return "upcoming"
    return "open"


class SearchBackend(ABC):
    """Extension points for an engine. Implementations must be safe to call concurrently."""

    name: str = "base"

    @abstractmethod
    def index(self, documents: Iterable[CallDocument]) -> int:
        """Add or replace documents (by ``call_id``); returns how many were written."""

    @abstractmethod
    def remove(self, call_ids: Iterable[str]) -> int:
        """Remove documents; unknown ids are ignored."""

    @abstractmethod
    def indexed_versions(self) -> dict[str, int]:
        """``call_id`` → indexed version, for reconciliation."""

    @abstractmethod
    def search(self, request: SearchRequest) -> SearchResults:
        """Run a query with its facets."""

    @abstractmethod
    def rebuild(self, documents: Iterable[CallDocument]) -> int:
        """Replace the whole index with ``documents`` with no moment without results."""

    def maintain(self) -> None:  # noqa: B027 (optional hook)
        """Periodic upkeep, run with the reconciliation (nothing by default)."""

    def autocomplete(self, prefix: str, limit: int = 8) -> list[str]:
        """Titles starting with (a word starting with) ``prefix``."""
        return []

    def health(self) -> dict:
        return {"engine": self.name}
