"""MBA, the CCI's Métropolitain Business Act platform (ICD §2).

Idempotent upsert keyed by our ``call_id``: a retry or a re-sync can never create a
second record, and the partner answers ``409 stale_version`` rather than go back
in time. Requests are signed the Standard Webhooks way (``standardwebhooks``).
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from standardwebhooks import Webhook

from syndication.connectors.base import (
    Connector,
    DeliveryJob,
    Outcome,
    PartnerResponse,
    TransportError,
    classify_failure,
    send,
    transport_failure,
)

# The payload mapping's version: bump it (and keep the old one until the partner
# moves) when the MBA contract changes.
PAYLOAD_VERSION = 1


def opportunity_payload(job: DeliveryJob) -> dict[str, Any]:
    """Our relayed call → MBA ``opportunity`` v1."""
    snapshot = job.snapshot
    issuer = snapshot.get("issuer") or {}
    return {
        "id": job.call_id,
        "version": job.version,
        "kind": snapshot["kind"],
        "title": snapshot["title"],
        "summary": snapshot["summary"],
        "description_html": snapshot["description_html"],
        "buyer": {"name": issuer.get("name", ""), "siret": issuer.get("siret") or None},
        "sectors": list(snapshot["sectors"]),
        "opens_at": snapshot["opens_at"],
        "closes_at": snapshot["closes_at"],
        "status": snapshot["status"],
        "url": snapshot["url"],
        "published_at": snapshot.get("published_at") or snapshot.get("updated_at"),
        "updated_at": snapshot.get("updated_at"),
    }


def error_message(response: PartnerResponse) -> str:
    """The partner's own words: ``{"errors": [{"field", "message"}]}`` or ``{"error"}``."""
    body = response.json()
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            return " ; ".join(
                f"{e.get('field', '?')} : {e.get('message', '')}"
                for e in errors
                if isinstance(e, dict)
            )
        if body.get("error"):
            return f"{response.status_code} {body['error']}"
    return f"HTTP {response.status_code} : {response.excerpt()[:300]}"


class MbaConnector(Connector):
    kind = "mba"

    def signed_headers(self, message_id: str, body: str) -> dict[str, str]:
        timestamp = datetime.fromtimestamp(int(time.time()), tz=UTC)
        signature = Webhook(self.config["signing_secret"]).sign(message_id, timestamp, body)
        return {
            "Authorization": f"Bearer {self.config['api_key']}",
            "Content-Type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": str(int(timestamp.timestamp())),
            "webhook-signature": signature,
        }

    def deliver(self, job: DeliveryJob) -> Outcome:
        url = f"{self.base_url}/api/opportunities/{quote(job.call_id, safe='')}"
        if job.withdraw:
            method, body = "DELETE", ""
        else:
            method = "PUT"
            body = json.dumps(opportunity_payload(job), ensure_ascii=False, separators=(",", ":"))
        trace = f"{method} {url}"
        try:
            response = send(
                method,
                url,
                data=body.encode("utf-8"),
                headers=self.signed_headers(job.message_id, body),
            )
        except TransportError as error:
            outcome = transport_failure(error)
            outcome.requests.append(f"{trace} → {error}")
            return outcome
        outcome = self._interpret(job, method, response)
        outcome.requests.append(f"{trace} → {response.status_code}")
        return outcome

    def _interpret(self, job: DeliveryJob, method: str, response: PartnerResponse) -> Outcome:
        status = response.status_code
        if method == "DELETE" and status in (204, 404):
            # 404: already absent, which is what we wanted.
            return Outcome("delivered", status, remote_url="", present=False)
        if method == "PUT" and status in (200, 201):
            body = response.json() or {}
            return Outcome(
                "delivered",
                status,
                remote_id=str(body.get("id") or job.call_id),
                remote_url=self.partner_link(body.get("url")),
                present=True,
            )
        if method == "PUT" and status == 409:
            body = response.json() or {}
            if body.get("error") == "stale_version":
                # A newer version is already there: nothing older may replace it.
                return Outcome(
                    "delivered",
                    status,
                    error=f"version {body.get('current_version')} déjà en place chez MBA",
                    remote_id=job.call_id,
                    present=True,
                )
        return classify_failure(response, error_message(response))
