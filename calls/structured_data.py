"""schema.org JSON-LD of a call: a ``Demand`` sought by the issuing ``Organization``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from calls.models import CallPage

# The escapes of ``django.utils.html.json_script``, which cannot be used itself: it
# writes its own ``<script type="application/json">`` element, and JSON-LD needs
# ``application/ld+json``. Each stays valid JSON for the same character.
JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def call_json_ld(call: CallPage, request: HttpRequest | None = None) -> SafeString:
    """A graph of the ``Demand`` and the ``Organization`` that ``seeks`` it."""
    url = call.get_full_url(request)
    demand = {
        "@type": "Demand",
        "@id": f"{url}#appel",
        "name": call.title,
        "description": call.summary,
        "url": url,
        "category": call.get_call_type_display(),
        "availabilityStarts": timezone.localtime(call.opens_at).isoformat(),
        "availabilityEnds": timezone.localtime(call.closes_at).isoformat(),
        "validFrom": timezone.localtime(call.opens_at).isoformat(),
        "validThrough": timezone.localtime(call.closes_at).isoformat(),
        "areaServed": call.location or "Aix-Marseille-Provence",
    }
    if call.call_id:
        demand["identifier"] = call.call_id
    graph: list[dict] = [demand]
    if call.issuer:
        organisation = {
            "@type": "Organization",
            "name": call.issuer.name,
            "seeks": {"@id": demand["@id"]},
        }
        if call.issuer.website:
            organisation["url"] = call.issuer.website
        if call.issuer.siret:
            organisation["identifier"] = call.issuer.siret
        graph.append(organisation)
    data = {"@context": "https://schema.org", "@graph": graph}
    # Django's ``json_script`` escapes: no "<", ">" or "&" is left in the element, so
    # no text of an editor's can close the script or open a comment or a tag.
    payload = json.dumps(data, ensure_ascii=False).translate(JSON_SCRIPT_ESCAPES)
    return mark_safe(payload)  # noqa: S308  (JSON built here, HTML characters escaped)
