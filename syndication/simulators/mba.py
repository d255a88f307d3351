"""Simulator of the MBA platform (CCI Aix-Marseille-Provence), ICD §2.

MBA upserts opportunities keyed by our ``call_id`` and authenticates every request
twice: a bearer API key and a Standard Webhooks signature over the raw body. The
simulator checks both as strictly as the contract says, and validates the payload
field by field, so a connector that drifts from the ICD fails here rather than in
production.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import time
from collections.abc import Callable
from datetime import datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, unquote, urlsplit

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

#: How far ``webhook-timestamp`` may be from the partner's clock (ICD §2).
TIMESTAMP_TOLERANCE_SECONDS = 300

KINDS = frozenset({"appel_a_solutions", "ami", "challenge"})
SECTORS = frozenset(
    {
        "sante",
        "numerique_creatif",
        "maritime_logistique",
        "energie_environnement",
        "mecanique_aeronautique",
        "tourisme_art_de_vivre",
    }
)
STATUSES = frozenset({"upcoming", "open", "closed"})
FIELDS = (
    "id",
    "version",
    "kind",
    "title",
    "summary",
    "description_html",
    "buyer",
    "sectors",
    "opens_at",
    "closes_at",
    "status",
    "url",
    "published_at",
    "updated_at",
)
ALLOWED_TAGS = frozenset({"p", "ul", "ol", "li", "strong", "em", "a", "h3", "h4"})
#: Link schemes a partner page would refuse to render (script injection).
UNSAFE_SCHEMES = frozenset({"javascript", "vbscript", "data"})

_API_PATH = re.compile(r"^/api/opportunities/(?P<call_id>[^/]+)$")
_PAGE_PATH = re.compile(r"^/opportunites/(?P<call_id>[^/]+)/?$")
_DIGITS = re.compile(r"[0-9]+")
_SIRET = re.compile(r"[0-9]{14}")


def decode_signing_secret(secret: str) -> bytes:
    """The key bytes of a ``whsec_<base64>`` secret; ``ValueError`` if malformed."""
    prefix = "whsec_"
    if not secret.startswith(prefix):
        raise ValueError("the signing secret must start with 'whsec_'")
    try:
        key = base64.b64decode(secret[len(prefix) :], validate=True)
    except binascii.Error as exc:
        raise ValueError("the signing secret is not valid base64 after 'whsec_'") from exc
    if not key:
        raise ValueError("the signing secret is empty")
    return key


def sign(key: bytes, msg_id: str, timestamp: str, body: bytes) -> str:
    """Base64 HMAC-SHA256 of ``"{id}.{timestamp}.{body}"``, the Standard Webhooks scheme."""
    content = f"{msg_id}.{timestamp}.".encode() + body
    return base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode("ascii")


class _DescriptionChecker(HTMLParser):
    """Collects what ``description_html`` contains beyond the ICD's HTML subset."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}> is not allowed")
            return
        for name, value in attrs:
            if tag != "a" or name != "href":
                self.problems.append(f"attribute {name!r} is not allowed on <{tag}>")
            elif not value:
                self.problems.append("<a> has an empty href")
            elif urlsplit(value.strip()).scheme.lower() in UNSAFE_SCHEMES:
                self.problems.append(f"href scheme of {value!r} is not allowed")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag </{tag}> is not allowed")

    def handle_comment(self, data: str) -> None:
        self.problems.append("HTML comments are not allowed")

    def handle_decl(self, decl: str) -> None:
        self.problems.append("declarations are not allowed")

    def handle_pi(self, data: str) -> None:
        self.problems.append("processing instructions are not allowed")

    def unknown_decl(self, data: str) -> None:
        self.problems.append("declarations are not allowed")


def html_problems(html: str) -> list[str]:
    checker = _DescriptionChecker()
    checker.feed(html)
    checker.close()
    return checker.problems


def _is_aware_datetime(value: Any) -> bool:
    if not isinstance(value, str) or "T" not in value.upper():
        return False
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return False
    return parsed.tzinfo is not None and parsed.utcoffset() is not None


def validate_opportunity(call_id: str, payload: Any) -> list[dict[str, str]]:
    """Every way ``payload`` breaks ICD §2, as MBA's ``errors`` list (empty if valid)."""
    if not isinstance(payload, dict):
        return [{"field": "body", "message": "must be a JSON object"}]
    errors: list[dict[str, str]] = []

    def fail(name: str, message: str) -> None:
        errors.append({"field": name, "message": message})

    for name in sorted(set(payload) - set(FIELDS)):
        fail(name, "unknown field")
    checks: dict[str, Callable[[Any], str | None]] = {
        "id": lambda v: None if v == call_id else "must equal the call_id in the path",
        "version": lambda v: None if is_positive_int(v) else "must be an integer ≥ 1",
        "kind": lambda v: None if v in KINDS else f"must be one of {sorted(KINDS)}",
        "title": _check_title,
        "summary": _check_summary,
        "description_html": _check_description,
        "sectors": _check_sectors,
        "opens_at": lambda v: _check_datetime(v, nullable=True),
        "closes_at": lambda v: _check_datetime(v, nullable=False),
        "status": lambda v: None if v in STATUSES else f"must be one of {sorted(STATUSES)}",
        "url": lambda v: None if is_http_url(v) else "must be an http(s) URL",
        "published_at": lambda v: _check_datetime(v, nullable=False),
        "updated_at": lambda v: _check_datetime(v, nullable=True),
    }
    for name in FIELDS:
        if name not in payload:
            fail(name, "is required")
        elif name == "buyer":
            for sub_name, message in _buyer_problems(payload[name]):
                fail(sub_name, message)
        elif (message := checks[name](payload[name])) is not None:
            fail(name, message)
    return errors


def _check_title(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "must be a non-empty string"
    if len(value) > 300:
        return "must be at most 300 characters"
    return None


def _check_summary(value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be a string"
    if len(value) > 500:
        return "must be at most 500 characters"
    if contains_html_tag(value):
        return "must be plain text (no HTML tags)"
    return None


def _check_description(value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be a string"
    problems = html_problems(value)
    return "; ".join(problems) if problems else None


def _check_sectors(value: Any) -> str | None:
    if not isinstance(value, list):
        return "must be a list of sector codes"
    unknown = [code for code in value if code not in SECTORS]
    if unknown:
        return f"unknown sector code(s) {unknown!r}; expected codes among {sorted(SECTORS)}"
    return None


def _check_datetime(value: Any, *, nullable: bool) -> str | None:
    if value is None:
        return None if nullable else "may not be null"
    if not _is_aware_datetime(value):
        return "must be an ISO 8601 datetime with a UTC offset"
    return None


def _buyer_problems(value: Any) -> list[tuple[str, str]]:
    if not isinstance(value, dict):
        return [("buyer", "must be an object with name and siret")]
    problems = [(f"buyer.{key}", "unknown field") for key in sorted(set(value) - {"name", "siret"})]
    name = value.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(("buyer.name", "must be a non-empty string"))
    if "siret" not in value:
        problems.append(("buyer.siret", "is required (null when unknown)"))
    elif value["siret"] is not None and not (
        isinstance(value["siret"], str) and _SIRET.fullmatch(value["siret"])
    ):
        problems.append(("buyer.siret", "must be null or 14 digits"))
    return problems


class MbaSimulator(Simulator):
    """The partner side of ICD §2: signed, idempotent upserts keyed by ``call_id``."""

    name = "mba"

    def __init__(
        self, api_key: str, signing_secret: str, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__()
        if not api_key:
            raise ValueError("the API key may not be empty")
        self.api_key = api_key
        self.signing_key = decode_signing_secret(signing_secret)
        self.clock = clock
        self.records: dict[str, dict[str, Any]] = {}
        self.deleted: list[str] = []

    def clear_state(self) -> None:
        self.records.clear()
        self.deleted.clear()

    def inspect(self) -> dict[str, Any]:
        return {
            "records": [dict(record) for record in self.records.values()],
            "deleted": list(self.deleted),
        }

    def handle(self, request: Request) -> Response:
        if match := _PAGE_PATH.match(request.path):
            if request.method != "GET":
                return method_not_allowed(("GET",))
            return self._page(unquote(match["call_id"]))
        match = _API_PATH.match(request.path)
        if match is None:
            return error_response(404, "not_found")
        if request.method not in ("PUT", "DELETE"):
            return method_not_allowed(("PUT", "DELETE"))
        if (refusal := self._authenticate(request)) is not None:
            return refusal
        call_id = unquote(match["call_id"])
        if request.method == "DELETE":
            return self._delete(call_id)
        return self._put(call_id, request)

    def _authenticate(self, request: Request) -> Response | None:
        """Bearer key first, then the signature and its timestamp; ``None`` if all pass."""
        scheme, _, token = (request.header("authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.strip().encode(), self.api_key.encode()
        ):
            return error_response(401, "invalid_api_key")
        msg_id = request.header("webhook-id")
        timestamp = request.header("webhook-timestamp")
        signatures = request.header("webhook-signature")
        if not msg_id or not timestamp or not signatures or not _DIGITS.fullmatch(timestamp):
            return error_response(401, "invalid_signature")
        if abs(self.clock() - int(timestamp)) > TIMESTAMP_TOLERANCE_SECONDS:
            return error_response(401, "timestamp_out_of_tolerance")
        expected = sign(self.signing_key, msg_id, timestamp, request.body).encode()
        for candidate in signatures.split():
            version, _, value = candidate.partition(",")
            if version == "v1" and hmac.compare_digest(value.encode(), expected):
                return None
        return error_response(401, "invalid_signature")

    def _put(self, call_id: str, request: Request) -> Response:
        try:
            payload = request.json()
        except InvalidJSON as exc:
            return json_response(
                400, {"errors": [{"field": "body", "message": f"invalid JSON: {exc}"}]}
            )
        errors = validate_opportunity(call_id, payload)
        if errors:
            return json_response(422, {"errors": errors})
        now = time.time()
        with self.lock:
            record = self.records.get(call_id)
            if record is not None and record["version"] > payload["version"]:
                return json_response(
                    409, {"error": "stale_version", "current_version": record["version"]}
                )
            if record is None:
                self.records[call_id] = {
                    "id": call_id,
                    "version": payload["version"],
                    "payload": payload,
                    "created_at": now,
                    "updated_at": now,
                    "put_count": 1,
                }
                status = 201
            else:
                self.records[call_id] = {
                    **record,
                    "version": payload["version"],
                    "payload": payload,
                    "updated_at": now,
                    "put_count": record["put_count"] + 1,
                }
                status = 200
        return json_response(status, {"id": call_id, "url": self._page_url(call_id)})

    def _delete(self, call_id: str) -> Response:
        with self.lock:
            if self.records.pop(call_id, None) is None:
                return error_response(404, "not_found")
            self.deleted.append(call_id)
        return no_content()

    def _page_url(self, call_id: str) -> str:
        return f"{self.base_url}/opportunites/{quote(call_id, safe='')}"

    def _page(self, call_id: str) -> Response:
        with self.lock:
            record = self.records.get(call_id)
        if record is None:
            return html_page(404, "Opportunité introuvable", [call_id])
        payload = record["payload"]
        return html_page(
            200,
            payload["title"],
            [
                payload["summary"],
                f"Porteur : {payload['buyer']['name']}",
                f"Statut : {payload['status']} — clôture : {payload['closes_at']}",
                f"Référence : {call_id} (version {record['version']})",
            ],
        )
