"""What every connector shares: the job it is given, the outcome it returns, HTTP.

A connector brings one partner to the state of one delivery (publish, update,
close or withdraw a call) and classifies what happened (ICD §1.4): delivered,
transient (retry later), permanent (the partner refuses this content) or auth (the
partner refuses us). It never touches the database: the delivery engine records
the outcome, so a connector is a plain mapping plus a plain HTTP client.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from django.conf import settings

logger = logging.getLogger(__name__)

USER_AGENT = "amp-innovation-portal/1 (relais des appels)"
# Stored excerpts of partner answers stay short (ICD errors are one line each).
EXCERPT_LENGTH = 1000
# PartnerListing.remote_url's max_length: a longer link could not be stored.
REMOTE_URL_MAX_LENGTH = 500


@dataclass
class DeliveryJob:
    """Everything a connector needs, copied from the delivery and its listing."""

    call_id: str
    version: int
    snapshot: dict[str, Any]
    withdraw: bool
    message_id: str
    remote_id: str = ""
    # Pacte PME: the Idempotency-Key of the pending creation, and whether an earlier
    # attempt already sent it (its creation may then have happened, at an older version).
    create_key: str = ""
    create_key_reused: bool = False


@dataclass
class Outcome:
    kind: str  # an AttemptOutcome value: delivered, transient, permanent, auth
    status_code: int | None = None
    error: str = ""
    retry_after: float | None = None
    # What the connector learnt about the listing, even when the outcome is a failure
    # (a creation may succeed and the following update fail).
    remote_id: str | None = None
    remote_url: str | None = None
    present: bool | None = None
    create_key: str | None = None
    requests: list[str] = field(default_factory=list)


class PartnerResponse:
    """A response read within the total deadline, with its JSON body if it has one."""

    def __init__(self, status_code: int, headers: dict[str, str], content: bytes):
        self.status_code = status_code
        self.headers = headers
        self.content = content

    def json(self) -> Any:
        try:
            return json.loads(self.content or b"null")
        except ValueError:
            return None

    @property
    def retry_after(self) -> float | None:
        """``Retry-After`` in seconds (ICD uses seconds; an HTTP date is ignored)."""
        value = self.headers.get("Retry-After")
        try:
            return max(0.0, float(value)) if value is not None else None
        except ValueError:
            return None

    def excerpt(self) -> str:
        return self.content[:EXCERPT_LENGTH].decode("utf-8", "replace")


class TransportError(Exception):
    """The request got no complete answer: connection refused or dropped, timeout."""


_sessions = threading.local()


def session() -> requests.Session:
    """One ``Session`` per worker thread: connections to partners are kept alive."""
    current = getattr(_sessions, "session", None)
    if current is None:
        current = requests.Session()
        current.headers["User-Agent"] = USER_AGENT
        _sessions.session = current
    return current


def send(method: str, url: str, **kwargs) -> PartnerResponse:
    """One HTTP request with a connect timeout and a deadline on the whole exchange.

    ``requests`` only bounds each socket read; the body is streamed so that a
    partner trickling bytes cannot hold a worker past the total timeout.
    """
    connect = settings.SYNDICATION_CONNECT_TIMEOUT
    total = settings.SYNDICATION_TOTAL_TIMEOUT
    deadline = time.monotonic() + total
    try:
        response = session().request(
            method, url, timeout=(connect, total), stream=True, allow_redirects=False, **kwargs
        )
        chunks = []
        with response:
            for chunk in response.iter_content(8192):
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise TransportError(f"délai total de {total:g} s dépassé")
    except requests.Timeout as error:
        raise TransportError("délai dépassé : le partenaire n'a pas répondu à temps") from error
    except requests.RequestException as error:
        raise TransportError(f"connexion impossible ou interrompue ({type(error).__name__})") from (
            error
        )
    return PartnerResponse(response.status_code, dict(response.headers), b"".join(chunks))


def classify_failure(response: PartnerResponse, message: str) -> Outcome:
    """ICD §1.4: 5xx and 429 are transient, 401/403 auth, any other 4xx permanent."""
    status = response.status_code
    if status == 429 or status >= 500:
        kind = "transient"
    elif status in (401, 403):
        kind = "auth"
    else:
        kind = "permanent"
    return Outcome(kind, status, message, retry_after=response.retry_after)


def transport_failure(error: TransportError) -> Outcome:
    return Outcome("transient", None, str(error))


def is_partner_link(url: str, base_url: str) -> bool:
    """An http(s) address on the partner's configured host, and nothing else.

    The link is shown to editors in the admin, whose CSP allows inline scripts: a
    ``javascript:`` or foreign address from a compromised partner must never get there.
    """
    try:
        parts, base = urlsplit(url), urlsplit(base_url)
        host = parts.hostname
    except ValueError:  # a malformed netloc, such as an unclosed IPv6 bracket
        return False
    return parts.scheme in ("http", "https") and bool(host) and host == base.hostname


def path_segment(remote_id: str) -> str:
    """A partner's id as one path segment: ``../admin`` or ``a/b?x`` cannot move the request."""
    return quote(remote_id, safe="")


class Connector:
    """Base class of a partner connector; one module per partner implements it.

    Subclasses set ``kind`` and implement ``deliver``. ``config`` holds the partner's
    settings from the environment (base URL and secrets).
    """

    kind: str = ""

    def __init__(self, config: dict[str, str]):
        self.config = config
        self.base_url = config["base_url"].rstrip("/")

    def deliver(self, job: DeliveryJob) -> Outcome:
        raise NotImplementedError

    def partner_link(self, url: Any) -> str:
        """The partner's link to keep, or "" (with a warning) when it is not on its host."""
        url = str(url or "")
        if not url or (len(url) <= REMOTE_URL_MAX_LENGTH and is_partner_link(url, self.base_url)):
            return url
        logger.warning("%s answered a link outside its host, not stored: %r", self.kind, url[:200])
        return ""
