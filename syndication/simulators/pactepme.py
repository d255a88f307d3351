"""Simulator of the Pacte PME national innovation platform, ICD §3.

Pacte PME differs from MBA in every way a connector can get wrong: OAuth2 client
credentials with expiring tokens, server-assigned ids (so a lost creation response
must be recovered through ``Idempotency-Key`` replay or the duplicate-reference 409),
French field names with plain-text descriptions, and a rate limit of 10 requests per
second per client.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qs, unquote_plus

from .server import (
    InvalidJSON,
    Request,
    Response,
    Simulator,
    contains_html_tag,
    error_response,
    html_page,
    is_http_url,
    is_positive_int,
    json_response,
    method_not_allowed,
    no_content,
)

#: How long the partner replays its first answer to an ``Idempotency-Key`` (ICD §3).
IDEMPOTENCY_TTL_SECONDS = 24 * 3600
FIRST_ID = 4800

TYPES = frozenset({"APPEL_A_SOLUTIONS", "AMI", "CHALLENGE"})
SECTEURS = frozenset(
    {
        "SANTE",
        "NUMERIQUE",
        "TRANSPORT_LOGISTIQUE",
        "ENERGIE",
        "ENVIRONNEMENT",
        "INDUSTRIE",
        "TOURISME",
    }
)

_COLLECTION_PATH = "/api/v2/challenges"
_ITEM_PATH = re.compile(r"/api/v2/challenges/(?P<id>[0-9]+)")
_CLOTURE_PATH = re.compile(r"/api/v2/challenges/(?P<id>[0-9]+)/cloture")
_PAGE_PATH = re.compile(r"/defis/(?P<id>[0-9]+)/?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _non_empty_str(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "must be a non-empty string"


def _revision(value: Any) -> str | None:
    return None if is_positive_int(value) else "must be an integer ≥ 1"


def _type(value: Any) -> str | None:
    return None if value in TYPES else f"must be one of {sorted(TYPES)}"


def _titre(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "must be a non-empty string"
    if len(value) > 150:
        return f"must be at most 150 characters ({len(value)} given)"
    return None


def _plain_text(max_length: int | None) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if not isinstance(value, str):
            return "must be a string"
        if max_length is not None and len(value) > max_length:
            return f"must be at most {max_length} characters ({len(value)} given)"
        if contains_html_tag(value):
            return "must be plain text (no HTML)"
        return None

    return check


def _secteurs(value: Any) -> str | None:
    # The ICD does not require a sector: a call may have none.
    if not isinstance(value, list):
        return "must be a list of sector codes"
    unknown = [code for code in value if code not in SECTEURS]
    if unknown:
        return f"unknown code(s) {unknown!r}; expected codes among {sorted(SECTEURS)}"
    return None


def _date_ouverture(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            date.fromisoformat(value)
        except ValueError:
            pass
        else:
            return None
    return "must be a date YYYY-MM-DD or null"


def _date_limite(value: Any) -> str | None:
    if isinstance(value, str) and "T" in value.upper():
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.utcoffset() is not None:
                return None
    return "must be an ISO 8601 datetime with a UTC offset"


def _lien(value: Any) -> str | None:
    return None if is_http_url(value) else "must be an http(s) URL"


def _territoire(value: Any) -> str | None:
    return None if isinstance(value, str) else "must be a string"


VALIDATORS: dict[str, Callable[[Any], str | None]] = {
    "external_reference": _non_empty_str,
    "revision": _revision,
    "type": _type,
    "titre": _titre,
    "resume": _plain_text(300),
    "description": _plain_text(None),
    "porteur": _non_empty_str,
    "secteurs": _secteurs,
    "date_ouverture": _date_ouverture,
    "date_limite": _date_limite,
    "lien_candidature": _lien,
    "territoire": _territoire,
}


def validate_challenge(payload: dict[str, Any], *, partial: bool) -> dict[str, str]:
    """Pacte PME's ``errors`` object for ``payload`` (empty if valid).

    A creation needs every field of the ICD example; an update any subset, but always
    ``revision``, which orders updates.
    """
    errors = {name: "unknown field" for name in payload if name not in VALIDATORS}
    for name, check in VALIDATORS.items():
        if name not in payload:
            if not partial or name == "revision":
                errors[name] = "is required"
        elif (message := check(payload[name])) is not None:
            errors[name] = message
    return errors


@dataclass
class TokenBucket:
    """Allows ``capacity`` requests at once, refilled at ``rate`` per second."""

    capacity: float
    rate: float
    tokens: float
    updated: float

    def take(self, now: float) -> bool:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@dataclass
class AccessToken:
    client_id: str
    expires_at: float


class PactePmeSimulator(Simulator):
    """The partner side of ICD §3: OAuth2, server-assigned ids, idempotency, rate limit."""

    name = "pactepme"
    path_scopes = frozenset({"api", "token"})
    fault_actions = frozenset({"expire_tokens"})

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        token_ttl: int = 3600,
        rate_limit: int = 10,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        if not client_id or not client_secret:
            raise ValueError("the client id and secret may not be empty")
        if token_ttl < 1:
            raise ValueError("the token lifetime must be at least 1 second")
        if rate_limit < 0:
            raise ValueError("the rate limit may not be negative (0 disables it)")
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_ttl = token_ttl
        self.rate_limit = rate_limit
        self.clock = clock
        self.clear_state()

    def clear_state(self) -> None:
        self.tokens: dict[str, AccessToken] = {}
        self.tokens_issued = 0
        self.buckets: dict[str, TokenBucket] = {}
        self.rate_limited = 0
        self.idempotency: dict[str, tuple[float, Response]] = {}
        self.records: dict[int, dict[str, Any]] = {}
        self.deleted: list[int] = []
        self.next_id = FIRST_ID

    def inspect(self) -> dict[str, Any]:
        return {
            "records": [dict(self.records[key]) for key in sorted(self.records)],
            "deleted": list(self.deleted),
            "tokens_issued": self.tokens_issued,
            "rate_limited": self.rate_limited,
        }

    def fault_scope(self, path: str) -> str | None:
        if path == "/oauth/token":
            return "token"
        return super().fault_scope(path)

    def run_fault_action(self, action: str) -> None:
        if action != "expire_tokens":
            raise NotImplementedError(action)
        self.tokens.clear()

    # --- routing ---------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        path = request.path
        if path == "/oauth/token":
            if request.method != "POST":
                return method_not_allowed(("POST",))
            return self._issue_token(request)
        if match := _PAGE_PATH.fullmatch(path):
            if request.method != "GET":
                return method_not_allowed(("GET",))
            return self._page(int(match["id"]))
        if not path.startswith("/api/"):
            return error_response(404, "not_found")
        with self.lock:
            client_id = self._authenticate(request)
            if client_id is None:
                return error_response(
                    401, "invalid_token", {"WWW-Authenticate": 'Bearer error="invalid_token"'}
                )
            if not self._within_rate_limit(client_id):
                self.rate_limited += 1
                return error_response(429, "rate_limited", {"Retry-After": "1"})
            return self._route_api(request)

    def _route_api(self, request: Request) -> Response:
        path, method = request.path, request.method
        if path == _COLLECTION_PATH:
            return self._create(request) if method == "POST" else method_not_allowed(("POST",))
        if match := _ITEM_PATH.fullmatch(path):
            challenge_id = int(match["id"])
            if method == "PATCH":
                return self._update(challenge_id, request)
            if method == "DELETE":
                return self._delete(challenge_id)
            return method_not_allowed(("PATCH", "DELETE"))
        if match := _CLOTURE_PATH.fullmatch(path):
            if method != "POST":
                return method_not_allowed(("POST",))
            return self._close(int(match["id"]), request)
        return error_response(404, "not_found")

    # --- OAuth2 -------------------------------------------------------------------

    def _issue_token(self, request: Request) -> Response:
        form = {
            key: values[0]
            for key, values in parse_qs(
                request.body.decode("utf-8", errors="replace"), keep_blank_values=True
            ).items()
        }
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        basic = _basic_credentials(request.header("authorization"))
        if basic is not None and client_id is None:
            # RFC 6749 prefers HTTP Basic for client credentials; accept it as well.
            client_id, client_secret = basic
        if not self._valid_client(client_id, client_secret):
            return error_response(401, "invalid_client")
        if form.get("grant_type") != "client_credentials":
            return error_response(400, "unsupported_grant_type")
        token = secrets.token_urlsafe(32)
        with self.lock:
            self.tokens[token] = AccessToken(self.client_id, self.clock() + self.token_ttl)
            self.tokens_issued += 1
        return json_response(
            200,
            {"access_token": token, "token_type": "Bearer", "expires_in": self.token_ttl},
            {"Cache-Control": "no-store"},
        )

    def _valid_client(self, client_id: str | None, client_secret: str | None) -> bool:
        if client_id is None or client_secret is None:
            return False
        id_ok = hmac.compare_digest(client_id.encode(), self.client_id.encode())
        secret_ok = hmac.compare_digest(client_secret.encode(), self.client_secret.encode())
        return id_ok and secret_ok

    def _authenticate(self, request: Request) -> str | None:
        """The client the bearer token was issued to, or ``None`` if it is not valid."""
        scheme, _, token = (request.header("authorization") or "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        issued = self.tokens.get(token.strip())
        if issued is None:
            return None
        if issued.expires_at <= self.clock():
            del self.tokens[token.strip()]
            return None
        return issued.client_id

    def _within_rate_limit(self, client_id: str) -> bool:
        if not self.rate_limit:
            return True
        now = self.clock()
        bucket = self.buckets.get(client_id)
        if bucket is None:
            bucket = TokenBucket(self.rate_limit, self.rate_limit, self.rate_limit, now)
            self.buckets[client_id] = bucket
        return bucket.take(now)

    # --- challenges -------------------------------------------------------------

    def _create(self, request: Request) -> Response:
        key = (request.header("idempotency-key") or "").strip()
        if not key:
            return error_response(400, "missing_idempotency_key")
        now = time.time()
        self.idempotency = {
            k: entry
            for k, entry in self.idempotency.items()
            if now - entry[0] < IDEMPOTENCY_TTL_SECONDS
        }
        if key in self.idempotency:
            first = self.idempotency[key][1]
            return Response(
                first.status, first.body, {**first.headers, "Idempotent-Replayed": "true"}
            )
        try:
            payload = request.json()
        except InvalidJSON:
            return error_response(400, "invalid_json")
        response = self._create_challenge(payload)
        self.idempotency[key] = (now, response)
        return response

    def _create_challenge(self, payload: Any) -> Response:
        if not isinstance(payload, dict):
            return json_response(422, {"errors": {"body": "must be a JSON object"}})
        errors = validate_challenge(payload, partial=False)
        if errors:
            return json_response(422, {"errors": errors})
        reference = payload["external_reference"]
        for record in self.records.values():
            if record["external_reference"] == reference:
                return json_response(
                    409, {"error": "duplicate_external_reference", "id": record["id"]}
                )
        challenge_id = self.next_id
        self.next_id += 1
        now = time.time()
        self.records[challenge_id] = {
            "id": challenge_id,
            "external_reference": reference,
            "revision": payload["revision"],
            "statut": "ouvert",
            "payload": dict(payload),
            "created_at": now,
            "updated_at": now,
        }
        return json_response(201, self._location(challenge_id))

    def _record_and_payload(
        self, challenge_id: int, request: Request
    ) -> tuple[dict, dict] | Response:
        """The stored challenge and the request's JSON object, or the error to answer."""
        record = self.records.get(challenge_id)
        if record is None:
            return error_response(404, "not_found")
        try:
            payload = request.json()
        except InvalidJSON:
            return error_response(400, "invalid_json")
        if not isinstance(payload, dict):
            return json_response(422, {"errors": {"body": "must be a JSON object"}})
        return record, payload

    def _update(self, challenge_id: int, request: Request) -> Response:
        found = self._record_and_payload(challenge_id, request)
        if isinstance(found, Response):
            return found
        record, payload = found
        errors = validate_challenge(payload, partial=True)
        reference = payload.get("external_reference", record["external_reference"])
        if "external_reference" not in errors and reference != record["external_reference"]:
            errors["external_reference"] = "cannot be changed"
        if errors:
            return json_response(422, {"errors": errors})
        if payload["revision"] < record["revision"]:
            return error_response(409, "stale_revision")
        self.records[challenge_id] = {
            **record,
            "revision": payload["revision"],
            "payload": {**record["payload"], **payload},
            "updated_at": time.time(),
        }
        return json_response(200, self._location(challenge_id))

    def _close(self, challenge_id: int, request: Request) -> Response:
        found = self._record_and_payload(challenge_id, request)
        if isinstance(found, Response):
            return found
        record, payload = found
        errors = {name: "unknown field" for name in payload if name != "revision"}
        if (message := _revision(payload.get("revision"))) is not None:
            errors["revision"] = message
        if errors:
            return json_response(422, {"errors": errors})
        if payload["revision"] < record["revision"]:
            return error_response(409, "stale_revision")
        self.records[challenge_id] = {
            **record,
            "revision": payload["revision"],
            "statut": "cloture",
            "payload": {**record["payload"], "revision": payload["revision"]},
            "updated_at": time.time(),
        }
        return json_response(200, self._location(challenge_id))

    def _delete(self, challenge_id: int) -> Response:
        if self.records.pop(challenge_id, None) is None:
            return error_response(404, "not_found")
        self.deleted.append(challenge_id)
        return no_content()

    def _location(self, challenge_id: int) -> dict[str, Any]:
        return {"id": challenge_id, "url": f"{self.base_url}/defis/{challenge_id}"}

    def _page(self, challenge_id: int) -> Response:
        with self.lock:
            record = self.records.get(challenge_id)
        if record is None:
            return html_page(404, "Défi introuvable", [str(challenge_id)])
        payload = record["payload"]
        return html_page(
            200,
            payload["titre"],
            [
                payload["resume"],
                f"Porteur : {payload['porteur']}",
                f"Statut : {record['statut']} — date limite : {payload['date_limite']}",
                f"Référence : {record['external_reference']} (révision {record['revision']})",
            ],
        )


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    scheme, _, encoded = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, client_secret = decoded.partition(":")
    if not sep:
        return None
    return unquote_plus(client_id), unquote_plus(client_secret)
