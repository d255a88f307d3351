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


def _intro_and_items(intro, items: list[str]) -> str:
    html = str(intro) if intro else ""
    if items:
        html += "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"
    return html


def _section_html(block) -> str:
    value = block.value
    if block.block_type == "evaluation_criteria":
        return _intro_and_items(
            value["intro"],
            [
                escape(c["label"]) + (f" ({c['weight']} %)" if c["weight"] is not None else "")
                for c in value["criteria"]
            ],
        )
    if block.block_type == "timeline":
        return _intro_and_items(
            value["intro"],
            [f"{m['date']:%d/%m/%Y} : {escape(m['label'])}" for m in value["milestones"]],
        )
    return str(value)


def body_html(call: CallPage) -> str:
    """The body's sections as sanitised HTML, each under an ``<h3>`` heading."""
    html = "".join(
        f"<h3>{escape(block.block.label)}</h3>{_section_html(block)}" for block in call.body
    )
    return nh3.clean(
        html,
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
        "excluded_partners": sorted(call.syndication_opt_outs.values_list("kind", flat=True)),
        "published_at": _iso(call.first_published_at),
        "updated_at": None,
    }


def relayed_part(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The fields whose change is a new version; an empty opt-out list is no opt-out at all
    (snapshots recorded before opt-outs existed have no such key)."""
    return {
        k: v
        for k, v in snapshot.items()
        if k not in NON_RELAYED_KEYS and k != "call_id" and not (k == "excluded_partners" and not v)
    }
