"""Pacte PME, the national innovation platform (ICD §3).

The partner assigns its own ids, so a creation is the one step that could
duplicate a call: it carries an ``Idempotency-Key`` that the engine stores before
the first try and every retry reuses, and a ``duplicate_external_reference``
answer is adopted rather than fought. OAuth2 tokens are cached per process and
fetched again on expiry or ``invalid_token``; every API request first waits for a
slot of the client-side rate limit (``throttle``), which the engine provides.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from datetime import datetime
from html import unescape
from html.parser import HTMLParser
from typing import Any

from syndication.connectors.base import (
    Connector,
    DeliveryJob,
    Outcome,
    PartnerResponse,
    TransportError,
    classify_failure,
    path_segment,
    send,
    transport_failure,
)

PAYLOAD_VERSION = 1
TITLE_LIMIT = 150
SUMMARY_LIMIT = 300
TERRITORY = "Aix-Marseille-Provence"
CALL_TYPES = {"appel_a_solutions": "APPEL_A_SOLUTIONS", "ami": "AMI", "challenge": "CHALLENGE"}
SECTORS = {
    "sante": ["SANTE"],
    "numerique_creatif": ["NUMERIQUE"],
    "maritime_logistique": ["TRANSPORT_LOGISTIQUE"],
    "energie_environnement": ["ENERGIE", "ENVIRONNEMENT"],
    "mecanique_aeronautique": ["INDUSTRIE"],
    "tourisme_art_de_vivre": ["TOURISME"],
}
# Refresh a token this long before the partner says it expires.
TOKEN_MARGIN_SECONDS = 30


def shorten(text: str, limit: int) -> str:
    """Cut at a word boundary and mark the cut, within ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return cut + "…"


class _PlainText(HTMLParser):
    """Sanitised description HTML → readable plain text (headings and list items on lines)."""

    BLOCKS = {"p", "h3", "h4", "ul", "ol"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "li":
            self.parts.append("\n- ")
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag in {"h3", "h4"}:
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)


def plain_text(html: str) -> str:
    parser = _PlainText()
    parser.feed(html)
    parser.close()
    text = unescape("".join(parser.parts))
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def sector_codes(sectors: list[str]) -> list[str]:
    codes: list[str] = []
    for sector in sectors:
        for code in SECTORS.get(sector, []):
            if code not in codes:
                codes.append(code)
    return codes


def challenge_payload(job: DeliveryJob) -> dict[str, Any]:
    """Our relayed call → Pacte PME ``challenge`` v1 (limits applied, HTML removed)."""
    snapshot = job.snapshot
    opens_at = snapshot.get("opens_at")
    return {
        "external_reference": job.call_id,
        "revision": job.version,
        "type": CALL_TYPES[snapshot["kind"]],
        "titre": shorten(snapshot["title"], TITLE_LIMIT),
        "resume": shorten(snapshot["summary"], SUMMARY_LIMIT),
        "description": plain_text(snapshot["description_html"]),
        "porteur": (snapshot.get("issuer") or {}).get("name", ""),
        "secteurs": sector_codes(snapshot["sectors"]),
        "date_ouverture": datetime.fromisoformat(opens_at).date().isoformat() if opens_at else None,
        "date_limite": snapshot["closes_at"],
        "lien_candidature": snapshot["url"],
        "territoire": TERRITORY,
    }


def error_message(response: PartnerResponse) -> str:
    """The partner's words: ``{"errors": {field: message}}`` or ``{"error": code}``."""
    body = response.json()
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, dict) and errors:
            return " ; ".join(f"{field} : {message}" for field, message in errors.items())
        if body.get("error"):
            return f"{response.status_code} {body['error']}"
    return f"HTTP {response.status_code} : {response.excerpt()[:300]}"


class _TokenCache:
    """Access tokens per (base URL, client id), shared by the threads of one process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}

    def get(self, key: tuple[str, str]) -> str | None:
        with self._lock:
            token, expires = self._tokens.get(key, ("", 0.0))
        return token if token and time.monotonic() < expires else None

    def put(self, key: tuple[str, str], token: str, expires_in: float) -> None:
        with self._lock:
            self._tokens[key] = (token, time.monotonic() + expires_in - TOKEN_MARGIN_SECONDS)

    def forget(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._tokens.pop(key, None)


tokens = _TokenCache()


class Refused(Exception):
    """A step got an answer that ends the delivery; carries the classified outcome."""

    def __init__(self, outcome: Outcome):
        super().__init__(outcome.error)
        self.outcome = outcome


class PactePmeConnector(Connector):
    kind = "pactepme"

    def __init__(self, config: dict[str, str], throttle: Callable[[], None] | None = None):
        super().__init__(config)
        self.throttle = throttle or (lambda: None)
        self.token_key = (self.base_url, config["client_id"])
        self.trace: list[str] = []

    # --- HTTP -----------------------------------------------------------------------

    def _token(self) -> str:
        token = tokens.get(self.token_key)
        if token:
            return token
        url = f"{self.base_url}/oauth/token"
        response = send(
            "POST",
            url,
            data={
                "grant_type": "client_credentials",
                "client_id": self.config["client_id"],
                "client_secret": self.config["client_secret"],
            },
        )
        self.trace.append(f"POST {url} → {response.status_code}")
        body = response.json()
        if (
            response.status_code != 200
            or not isinstance(body, dict)
            or not body.get("access_token")
        ):
            raise Refused(classify_failure(response, "jeton OAuth2 : " + error_message(response)))
        tokens.put(self.token_key, body["access_token"], float(body.get("expires_in", 3600)))
        return body["access_token"]

    def _call(self, method: str, path: str, body: dict | None = None, **headers) -> PartnerResponse:
        """An API request with a valid token; on ``invalid_token``, a new token and one retry."""
        url = f"{self.base_url}{path}"
        for attempt in (1, 2):
            token = self._token()
            self.throttle()
            response = send(
                method, url, json=body, headers={"Authorization": f"Bearer {token}", **headers}
            )
            self.trace.append(f"{method} {url} → {response.status_code}")
            expired = response.status_code == 401 and (response.json() or {}) == {
                "error": "invalid_token"
            }
            if not expired or attempt == 2:
                return response
            tokens.forget(self.token_key)
        raise AssertionError("unreachable")

    # --- Delivery -------------------------------------------------------------------

    def deliver(self, job: DeliveryJob) -> Outcome:
        self.trace = []
        learned = Outcome("delivered")
        try:
            if job.withdraw:
                self._withdraw(job, learned)
            else:
                self._publish(job, learned)
            outcome = learned
        except TransportError as error:
            outcome = transport_failure(error)
        except Refused as refused:
            outcome = refused.outcome
        # Keep what was learnt before a later step failed (a creation's id above all).
        for name in ("remote_id", "remote_url", "present", "create_key"):
            if getattr(outcome, name) is None:
                setattr(outcome, name, getattr(learned, name))
        outcome.requests = list(self.trace)
        return outcome

    def _create(self, job: DeliveryJob, payload: dict, learned: Outcome) -> bool:
        """POST the challenge; returns True if this answer is its creation at this revision."""
        response = self._call(
            "POST", "/api/v2/challenges", payload, **{"Idempotency-Key": job.create_key}
        )
        body = response.json() or {}
        if response.status_code == 201 and body.get("id") is not None:
            learned.remote_id = str(body["id"])
            learned.remote_url = self.partner_link(body.get("url"))
            learned.present = True
            return True
        if response.status_code == 409 and body.get("error") == "duplicate_external_reference":
            learned.remote_id, learned.present = str(body["id"]), True
            return False
        raise Refused(classify_failure(response, error_message(response)))

    def _publish(self, job: DeliveryJob, learned: Outcome) -> None:
        payload = challenge_payload(job)
        remote_id = job.remote_id
        if not remote_id:
            created = self._create(job, payload, learned)
            remote_id = learned.remote_id
            # A reused key may replay the creation of an older version: update then.
            if created and not job.create_key_reused:
                self._close_if_needed(job, remote_id)
                return
        response = self._call("PATCH", f"/api/v2/challenges/{path_segment(remote_id)}", payload)
        body = response.json() or {}
        if response.status_code == 409 and body.get("error") == "stale_revision":
            learned.error = "une révision plus récente est déjà en place chez Pacte PME"
            return
        if response.status_code != 200:
            raise Refused(classify_failure(response, error_message(response)))
        if body.get("url"):
            learned.remote_url = self.partner_link(body["url"])
        learned.present = True
        self._close_if_needed(job, remote_id)

    def _close_if_needed(self, job: DeliveryJob, remote_id: str) -> None:
        if job.snapshot.get("status") != "closed":
            return
        response = self._call(
            "POST",
            f"/api/v2/challenges/{path_segment(remote_id)}/cloture",
            {"revision": job.version},
        )
        stale = response.status_code == 409 and (response.json() or {}).get("error") == (
            "stale_revision"
        )
        if response.status_code != 200 and not stale:
            raise Refused(classify_failure(response, error_message(response)))

    def _withdraw(self, job: DeliveryJob, learned: Outcome) -> None:
        remote_id = job.remote_id
        if not remote_id and job.create_key_reused:
            # A creation was sent but its answer never came: its key tells us the id
            # (or creates the record, which is then deleted below).
            try:
                self._create(job, challenge_payload(job), learned)
            except Refused as refused:
                if refused.outcome.kind != "permanent":
                    raise
                # Refused now, so refused then: nothing was created.
            remote_id = learned.remote_id
        if remote_id:
            response = self._call("DELETE", f"/api/v2/challenges/{path_segment(remote_id)}")
            if response.status_code not in (204, 404):
                raise Refused(classify_failure(response, error_message(response)))
        learned.remote_id, learned.remote_url, learned.present = "", "", False
        learned.create_key = ""
