"""Build the indexed ``CallDocument`` of a call from its latest CallEvent snapshot."""

from __future__ import annotations

from datetime import datetime

from django.utils.html import strip_tags

from calls.models import CallEvent
from search.backends.base import CallDocument


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def document_from_event(event: CallEvent, keywords: list[str] | None = None) -> CallDocument:
    snapshot = event.snapshot
    issuer = snapshot.get("issuer") or {}
    page = event.page
    if keywords is None:
        keywords = [t.name for t in page.keywords.all()] if page is not None else []
    return CallDocument(
        call_id=event.call_id,
        version=event.version,
        title=snapshot["title"],
        summary=snapshot["summary"],
        body=strip_tags(snapshot.get("description_html", "").replace("</", " </")),
        keywords=keywords,
        call_type=snapshot["kind"],
        issuer=issuer.get("name", ""),
        issuer_slug=page.issuer.slug if page is not None and page.issuer else "",
        sectors=list(snapshot.get("sectors", [])),
        location=snapshot.get("location", ""),
        url=snapshot["url"],
        opens_at=_parse(snapshot["opens_at"]),
        closes_at=_parse(snapshot["closes_at"]),
        closed_early=bool(page.closed_early_at) if page is not None else False,
        published_at=_parse(snapshot.get("published_at")),
    )


def searchable_events() -> dict[str, CallEvent]:
    """The latest event of every call that should be in the index (live, not withdrawn)."""
    latest: dict[str, CallEvent] = {}
    events = (
        CallEvent.objects.filter(page__live=True, page__withdrawn_at__isnull=True)
        .select_related("page", "page__issuer")
        .prefetch_related("page__tagged_items__tag")
        .order_by("call_id", "-version")
        .distinct("call_id")
        if _postgres()
        else CallEvent.objects.filter(page__live=True, page__withdrawn_at__isnull=True)
        .select_related("page", "page__issuer")
        .order_by("call_id", "version")
    )
    for event in events:
        latest[event.call_id] = event
    return {k: e for k, e in latest.items() if e.kind != CallEvent.Kind.WITHDRAWN}


def _postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"
