"""Machinery shared by the partner simulators: HTTP handling, request log, fault injection.

Each simulator is a :class:`Simulator` subclass that answers the partner's API; this
module wraps it in a keep-alive HTTP/1.1 server and adds what every simulator needs for
tests and demos:

- ``GET /_sim/records``: what the partner holds and every request it received, so a
  test can assert on the partner's side instead of trusting the portal's own account;
- ``POST /_sim/reset``: a clean partner between tests without restarting the process;
- ``GET``/``POST /_sim/faults``: failures set at run time (error statuses, dropped
  connections, lost responses, delays), so the portal's retry logic meets the failures
  the ICD asks it to survive (ICD §1, §4).

Only the standard library is used: the simulators must run as independent processes,
without Django, like the remote platforms they stand for.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import socketserver
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from email.message import Message
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

#: Request headers copied into the request log: the ones the ICD gives a meaning to.
LOGGED_HEADERS = (
    "authorization",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "idempotency-key",
    "content-type",
)

#: A partner refuses bodies larger than this; nothing the portal sends comes close.
MAX_BODY_BYTES = 5 * 1024 * 1024

DEFAULT_FAULT_STATUS = 503
DEFAULT_FAULT_BODY: dict[str, Any] = {"error": "simulated"}

#: Something that looks like an HTML tag, end tag, comment or declaration.
_HTML_TAG = re.compile(r"<\s*(?:/\s*)?[A-Za-z][^<>]*>|<!--|<![A-Za-z]|<\?")


class InvalidJSON(ValueError):
    """The request body is not valid JSON (each partner answers it in its own format)."""


class BadRequestBody(ValueError):
    """The body could not even be read (bad framing); the connection is closed after it."""


@dataclass
class Request:
    """One HTTP request as the simulators see it, its body already read in full."""

    method: str
    path: str
    query: str
    headers: Message
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def json(self) -> Any:
        """Parse the body as JSON; an empty body is invalid too (every API call has one)."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise InvalidJSON(str(exc)) from exc

    def loggable_body(self) -> Any:
        """The body for the request log: parsed JSON when it is JSON, else its text."""
        if not self.body:
            return None
        text = self.body.decode("utf-8", errors="replace")
        try:
            return json.loads(text)
        except ValueError:
            return text


@dataclass
class Response:
    """What a simulator answers; ``body`` is JSON unless ``html`` is given."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    html: str | None = None

    def encode(self) -> tuple[bytes, str | None]:
        """The payload bytes and their content type (``None`` for an empty body)."""
        if self.html is not None:
            return self.html.encode("utf-8"), "text/html; charset=utf-8"
        if self.status == 204 or self.body is None:
            return b"", None
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8"), "application/json"


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status, body, dict(headers or {}))


def error_response(status: int, code: str, headers: dict[str, str] | None = None) -> Response:
    """The ``{"error": code}`` answer both partners use for non-validation errors."""
    return json_response(status, {"error": code}, headers)


def no_content() -> Response:
    return Response(204)


def method_not_allowed(allowed: tuple[str, ...]) -> Response:
    return error_response(405, "method_not_allowed", {"Allow": ", ".join(allowed)})


def html_page(status: int, title: str, lines: list[str]) -> Response:
    """A minimal page, so the "link on the partner platform" shown to editors opens."""
    items = "".join(f"<p>{escape(line)}</p>" for line in lines)
    html = (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head>"
        f"<body><h1>{escape(title)}</h1>{items}</body></html>"
    )
    return Response(status, html=html)


def contains_html_tag(text: str) -> bool:
    """Whether a field that must be plain text carries markup (a sanitising bug upstream)."""
    return bool(_HTML_TAG.search(text))


def is_http_url(value: Any) -> bool:
    if not isinstance(value, str) or any(ch.isspace() for ch in value):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def is_positive_int(value: Any) -> bool:
    """An integer ≥ 1; JSON ``true`` is not one, although Python says bool is an int."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


class FaultSpecError(ValueError):
    """A ``POST /_sim/faults`` body that cannot be applied; answered with a 400."""


def _count(data: dict[str, Any], key: str) -> int:
    value = data.get(key, 0)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise FaultSpecError(f"{key} must be a non-negative integer")
    return value


@dataclass
class FaultDecision:
    """What the faults do to one request; counters were consumed when it was made."""

    delay: float = 0.0
    drop_request: bool = False
    failure: Response | None = None
    drop_response: bool = False


@dataclass
class Faults:
    """The fault set in force; replaced whole by each ``POST /_sim/faults``.

    At most one of drop / fail / lost-response applies to a given request (in that
    order), so a spec combining them plays them out one after the other; a delay
    applies on top of any of them.
    """

    fail_next: int = 0
    fail_all: bool = False
    status: int = DEFAULT_FAULT_STATUS
    body: Any = field(default_factory=lambda: dict(DEFAULT_FAULT_BODY))
    retry_after: int | None = None
    drop_next: int = 0
    drop_response_next: int = 0
    delay_seconds: float = 0.0
    delay_next: int | None = None
    paths: str = "all"

    KEYS = frozenset(
        {
            "fail_next",
            "fail_all",
            "status",
            "body",
            "retry_after",
            "drop_next",
            "drop_response_next",
            "delay_seconds",
            "delay_next",
            "paths",
        }
    )

    @classmethod
    def parse(cls, data: dict[str, Any], path_scopes: frozenset[str]) -> Faults:
        """Check a fault spec strictly: a typo in a test must fail loudly, not do nothing."""
        unknown = sorted(set(data) - cls.KEYS)
        if unknown:
            raise FaultSpecError(f"unknown fault key(s): {', '.join(unknown)}")
        faults = cls(
            fail_next=_count(data, "fail_next"),
            drop_next=_count(data, "drop_next"),
            drop_response_next=_count(data, "drop_response_next"),
        )
        fail_all = data.get("fail_all", False)
        if not isinstance(fail_all, bool):
            raise FaultSpecError("fail_all must be a boolean")
        faults.fail_all = fail_all
        status = data.get("status", DEFAULT_FAULT_STATUS)
        if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
            raise FaultSpecError("status must be an HTTP error status (400-599)")
        faults.status = status
        if "body" in data:
            faults.body = data["body"]
        retry_after = data.get("retry_after")
        if retry_after is not None:
            if not isinstance(retry_after, int) or isinstance(retry_after, bool) or retry_after < 0:
                raise FaultSpecError("retry_after must be a non-negative integer (seconds)")
            faults.retry_after = retry_after
        delay = data.get("delay_seconds", 0)
        if not isinstance(delay, int | float) or isinstance(delay, bool) or not 0 <= delay <= 120:
            raise FaultSpecError("delay_seconds must be a number between 0 and 120")
        faults.delay_seconds = float(delay)
        if data.get("delay_next") is not None:
            faults.delay_next = _count(data, "delay_next")
        paths = data.get("paths", "all")
        if paths not in path_scopes | {"all"}:
            choices = ", ".join(sorted(path_scopes | {"all"}))
            raise FaultSpecError(f"paths must be one of: {choices}")
        faults.paths = paths
        return faults

    def applies_to(self, scope: str | None) -> bool:
        return scope is not None and self.paths in ("all", scope)

    def decide(self) -> FaultDecision:
        """Consume the counters for one request; the caller holds the simulator's lock."""
        decision = FaultDecision()
        if self.delay_seconds and (self.delay_next is None or self.delay_next > 0):
            decision.delay = self.delay_seconds
            if self.delay_next is not None:
                self.delay_next -= 1
        if self.drop_next:
            self.drop_next -= 1
            decision.drop_request = True
        elif self.fail_all or self.fail_next:
            if not self.fail_all:
                self.fail_next -= 1
            headers = {}
            if self.retry_after is not None:
                headers["Retry-After"] = str(self.retry_after)
            decision.failure = json_response(self.status, self.body, headers)
        elif self.drop_response_next:
            self.drop_response_next -= 1
            decision.drop_response = True
        return decision

    def as_dict(self) -> dict[str, Any]:
        return {
            "fail_next": self.fail_next,
            "fail_all": self.fail_all,
            "status": self.status,
            "body": self.body,
            "retry_after": self.retry_after,
            "drop_next": self.drop_next,
            "drop_response_next": self.drop_response_next,
            "delay_seconds": self.delay_seconds,
            "delay_next": self.delay_next,
            "paths": self.paths,
        }


class Simulator:
    """One partner platform: its API (in subclasses), request log and faults.

    A single re-entrant lock guards every piece of state; handlers hold it while they
    read or change records, which keeps the simulator trivially consistent (the load a
    simulator sees is tiny). Delays are slept outside the lock.
    """

    name = "simulator"
    #: Values of the fault spec's ``paths`` key other than ``"all"``.
    path_scopes: frozenset[str] = frozenset({"api"})
    #: One-shot fault actions this simulator supports (e.g. ``expire_tokens``).
    fault_actions: frozenset[str] = frozenset()

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.requests: list[dict[str, Any]] = []
        self.faults = Faults()
        self.base_url = "http://127.0.0.1"

    # --- to be provided by each partner ------------------------------------------

    def handle(self, request: Request) -> Response:
        """Answer one request on a non-``/_sim`` path."""
        raise NotImplementedError

    def fault_scope(self, path: str) -> str | None:
        """Which fault scope a path is in (``"api"``…), or ``None`` if faults spare it."""
        return "api" if path.startswith("/api/") else None

    def clear_state(self) -> None:
        """Forget records, tokens, caches: everything but the log and faults."""
        raise NotImplementedError

    def inspect(self) -> dict[str, Any]:
        """The partner-specific part of ``GET /_sim/records`` (at least ``records``)."""
        raise NotImplementedError

    def run_fault_action(self, action: str) -> None:
        """Carry out a one-shot action named in a fault spec."""
        raise NotImplementedError(action)

    # --- request log ------------------------------------------------------------

    def log_request(self, request: Request) -> dict[str, Any]:
        entry = {
            "method": request.method,
            "path": request.path,
            "status": None,
            "headers": {
                name: value
                for name in LOGGED_HEADERS
                if (value := request.header(name)) is not None
            },
            "body": request.loggable_body(),
            "at": time.time(),
        }
        with self.lock:
            self.requests.append(entry)
        return entry

    def record_outcome(
        self,
        entry: dict[str, Any],
        status: int | None,
        *,
        dropped: str | None = None,
        processed_status: int | None = None,
    ) -> None:
        """Note what the request got; done before sending, so a test reading the log
        right after receiving the response finds it complete.

        A dropped request is marked ``"dropped": "request"``; a processed one whose
        response was lost, ``"dropped": "response"`` with the status it would have had.
        """
        with self.lock:
            entry["status"] = status
            if dropped:
                entry["dropped"] = dropped
            if processed_status is not None:
                entry["processed_status"] = processed_status

    def decide_faults(self, path: str) -> FaultDecision:
        with self.lock:
            if not self.faults.applies_to(self.fault_scope(path)):
                return FaultDecision()
            return self.faults.decide()

    # --- /_sim endpoints ----------------------------------------------------------

    def handle_sim(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        routes = {
            "/_sim/records": {"GET": self._sim_records},
            "/_sim/reset": {"POST": self._sim_reset},
            "/_sim/faults": {"GET": self._sim_get_faults, "POST": self._sim_set_faults},
        }
        methods = routes.get(path)
        if methods is None:
            return error_response(404, "not_found")
        handler = methods.get("GET" if request.method == "HEAD" else request.method)
        if handler is None:
            return method_not_allowed(tuple(methods))
        return handler(request)

    def _sim_records(self, request: Request) -> Response:
        with self.lock:
            body = self.inspect()
            body["requests"] = [dict(entry) for entry in self.requests]
        return json_response(200, body)

    def _sim_reset(self, request: Request) -> Response:
        with self.lock:
            self.requests.clear()
            self.faults = Faults()
            self.clear_state()
        return json_response(200, {})

    def _sim_get_faults(self, request: Request) -> Response:
        with self.lock:
            return json_response(200, self.faults.as_dict())

    def _sim_set_faults(self, request: Request) -> Response:
        try:
            data = request.json() if request.body else {}
        except InvalidJSON as exc:
            return json_response(400, {"error": f"invalid JSON: {exc}"})
        if not isinstance(data, dict):
            return json_response(400, {"error": "the fault spec must be a JSON object"})
        spec = dict(data)
        actions = [key for key in sorted(self.fault_actions) if spec.pop(key, False) is not False]
        try:
            for action in actions:
                if data[action] is not True:
                    raise FaultSpecError(f"{action} must be true (or absent)")
            faults = Faults.parse(spec, self.path_scopes)
        except FaultSpecError as exc:
            return json_response(400, {"error": str(exc)})
        with self.lock:
            self.faults = faults
            for action in actions:
                self.run_fault_action(action)
            return json_response(200, self.faults.as_dict())


class SimulatorHandler(BaseHTTPRequestHandler):
    """Reads each request whole, applies faults, and lets the simulator answer it."""

    protocol_version = "HTTP/1.1"
    server_version = "PartnerSimulator/1.0"
    #: Idle keep-alive connections are closed after this many seconds.
    timeout = 300
    server: SimulatorServer

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_OPTIONS(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def _dispatch(self) -> None:
        simulator = self.server.simulator
        try:
            body = self._read_body()
        except BadRequestBody as exc:
            self.close_connection = True
            self._send(error_response(400, f"bad_request: {exc}"))
            return
        target = urlsplit(self.path)
        request = Request(self.command, target.path, target.query, self.headers, body)
        if request.path == "/_sim" or request.path.startswith("/_sim/"):
            self._send(self._answer(simulator.handle_sim, request))
            return

        entry = simulator.log_request(request)
        decision = simulator.decide_faults(request.path)
        if decision.delay:
            time.sleep(decision.delay)
        if decision.drop_request:
            simulator.record_outcome(entry, None, dropped="request")
            self._drop()
            return
        response = decision.failure or self._answer(simulator.handle, request)
        if decision.drop_response:
            simulator.record_outcome(
                entry, None, dropped="response", processed_status=response.status
            )
            self._drop()
            return
        simulator.record_outcome(entry, response.status)
        self._send(response)

    def _answer(self, handler: Any, request: Request) -> Response:
        try:
            return handler(request)
        except Exception:
            # A simulator bug must show as a 500 the test can see, not a hung client.
            traceback.print_exc(file=sys.stderr)
            return error_response(500, "internal_error")

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        try:
            size = int(length)
        except ValueError as exc:
            raise BadRequestBody("invalid Content-Length") from exc
        if not 0 <= size <= MAX_BODY_BYTES:
            raise BadRequestBody("Content-Length out of range")
        return self.rfile.read(size)

    def _read_chunked(self) -> bytes:
        data = bytearray()
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError as exc:
                raise BadRequestBody("invalid chunk size") from exc
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers: ignored
                return bytes(data)
            if len(data) + size > MAX_BODY_BYTES:
                raise BadRequestBody("body too large")
            data += self.rfile.read(size)
            self.rfile.readline(1024)

    def _drop(self) -> None:
        """Close the TCP connection without a byte of response."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send(self, response: Response) -> None:
        payload, content_type = response.encode()
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if content_type:
            self.send_header("Content-Type", content_type)
        if response.status != 204:
            self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if payload and self.command != "HEAD":
            self.wfile.write(payload)


class SimulatorServer(ThreadingHTTPServer):
    """A threading HTTP server bound to one simulator; ``port=0`` picks a free port."""

    daemon_threads = True

    def __init__(self, host: str, port: int, simulator: Simulator, *, verbose: bool = False):
        if ":" in host:
            self.address_family = socket.AF_INET6
        self.simulator = simulator
        self.verbose = verbose
        super().__init__((host, port), SimulatorHandler)
        bound_port = self.server_address[1]
        shown_host = f"[{host}]" if ":" in host else host
        self.base_url = f"http://{shown_host}:{bound_port}"
        simulator.base_url = self.base_url

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, which can stall on a machine
        # without DNS; the simulator never needs it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = port
