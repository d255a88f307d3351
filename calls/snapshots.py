"""The relayed state of a call: what partners and the search index receive.

A snapshot is plain JSON, stored in each ``CallEvent``; consumers work from it and
never need the page as it is at the moment they run. ``relayed_part`` is what
decides whether a published change deserves a new version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import nh3
from django.conf import settings
from django.utils import timezone
from django.utils.html import escape

if TYPE_CHECKING:
    from calls.models import CallPage

# Partners accept only these tags (ICD §2, description_html).
ALLOWED_TAGS = {"p", "ul", "ol", "li", "strong", "em", "a", "h3", "h4"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}

# Bookkeeping keys that change without the call changing.
NON_RELAYED_KEYS = {"version", "updated_at", "published_at"}


def _iso(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def body_html(call: CallPage) -> str:
    """The body's sections as sanitised HTML, each under an ``<h3>`` heading."""
    parts = []
    for block in call.body:
        parts.append(f"<h3>{escape(block.block.label)}</h3>")
        if block.block_type == "evaluation_criteria":
            if block.value["intro"]:
                parts.append(str(block.value["intro"]))
            items = "".join(
                f"<li>{escape(c['label'])}"
                + (f" ({c['weight']} %)" if c["weight"] is not None else "")
                + "</li>"
                for c in block.value["criteria"]
            )
            if items:
                parts.append(f"<ul>{items}</ul>")
        elif block.block_type == "timeline":
            if block.value["intro"]:
                parts.append(str(block.value["intro"]))
            items = "".join(
                f"<li>{m['date']:%d/%m/%Y} : {escape(m['label'])}</li>"
                for m in block.value["milestones"]
            )
            if items:
                parts.append(f"<ul>{items}</ul>")
        else:
            parts.append(str(block.value))
    return nh3.clean(
        "".join(parts),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
    )


def public_url(call: CallPage) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + "/appels/" + call.slug + "/"


def call_snapshot(call: CallPage, status: str) -> dict[str, Any]:
    issuer = call.issuer
    return {
        "call_id": call.call_id,
        "version": call.version,
        "kind": call.call_type,
        "title": call.title,
        "summary": call.summary,
        "description_html": body_html(call),
        "issuer": {"name": issuer.name, "siret": issuer.siret or None} if issuer else None,
        "co_issuer": call.co_issuer.name if call.co_issuer else None,
        "sectors": sorted(call.sectors.values_list("code", flat=True)),
        "opens_at": _iso(call.opens_at),
        "closes_at": _iso(call.closes_at),
        "status": status,
        "url": public_url(call),
        "location": call.location,
        "published_at": _iso(call.first_published_at),
        "updated_at": None,
    }


def relayed_part(snapshot: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in snapshot.items() if k not in NON_RELAYED_KEYS and k != "call_id"}
