"""Keep the search index in step with CallEvents; repair any drift.

``index_call_event`` is registered in ``CALL_EVENT_CONSUMERS``: the worker runs it
for every committed event. ``reconcile_index`` compares the index with the calls that
should be searchable and fixes what is missing, stale or extra, so that an event the
worker never saw, or a tampered index, heals by itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from calls.models import CallEvent
from search.backends import get_backend
from search.documents import document_from_event, searchable_events

logger = logging.getLogger(__name__)


def index_call_event(event: CallEvent) -> None:
    backend = get_backend()
    if event.kind == CallEvent.Kind.WITHDRAWN:
        backend.remove([event.call_id])
        return
    backend.index([document_from_event(event)])


@dataclass
class Drift:
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.missing) + len(self.stale) + len(self.extra)


def index_drift() -> tuple[Drift, dict[str, CallEvent]]:
    expected = searchable_events()
    indexed = get_backend().indexed_versions()
    drift = Drift(
        missing=sorted(set(expected) - set(indexed)),
        stale=sorted(
            cid for cid, e in expected.items() if cid in indexed and indexed[cid] != e.version
        ),
        extra=sorted(set(indexed) - set(expected)),
    )
    return drift, expected


def reconcile_index() -> Drift:
    drift, expected = index_drift()
    backend = get_backend()
    if drift.extra:
        backend.remove(drift.extra)
    repair = [expected[cid] for cid in drift.missing + drift.stale]
    if repair:
        # Re-index from scratch rows that are stale: an older version in the index
        # must give way even though index() protects against going backwards.
        backend.remove([e.call_id for e in repair])
        backend.index(document_from_event(e) for e in repair)
    if drift.total:
        logger.warning("Search index repaired: %s", drift)
    backend.maintain()
    return drift


def rebuild_index(progress=None) -> int:
    events = list(searchable_events().values())
    documents = []
    for n, event in enumerate(events, start=1):
        documents.append(document_from_event(event))
        if progress:
            progress(n, len(events))
    return get_backend().rebuild(documents)
