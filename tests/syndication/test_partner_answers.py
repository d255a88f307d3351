"""A partner's answers are not trusted: links off its host are dropped, ids stay in their path.

A tiny local HTTP server plays a compromised partner: it answers a ``javascript:``
or foreign link and ids such as ``../admin``, and records the path of every request
it receives, so a test sees where the connector really sent it.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from syndication.connectors.base import DeliveryJob
from syndication.connectors.mba import MbaConnector
from syndication.connectors.pactepme import PactePmeConnector
from tests.syndication.test_connectors import SNAPSHOT


class HostilePartner(ThreadingHTTPServer):
    """Answers every request with ``answer`` (status, body) and logs (method, raw path)."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: list[tuple[str, str]] = []
        self.answer: tuple[int, dict] = (200, {})
        self.creation: dict = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: HostilePartner

    def _respond(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.server.received.append((self.command, self.path))
        if self.path == "/oauth/token":
            status, body = 200, {"access_token": "jeton", "expires_in": 3600}
        elif self.command == "POST" and self.path == "/api/v2/challenges":
            status, body = 201, self.server.creation
        else:
            status, body = self.server.answer
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = _respond

    def log_message(self, format, *args):  # quiet: the test reads `received`
        pass


@pytest.fixture
def hostile() -> Iterator[HostilePartner]:
    server = HostilePartner()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def job(**fields) -> DeliveryJob:
    defaults = {"call_id": "AMP-2026-0042", "version": 3, "snapshot": dict(SNAPSHOT)}
    defaults.update(withdraw=False, message_id="msg-1")
    return DeliveryJob(**{**defaults, **fields})


def mba(server: HostilePartner) -> MbaConnector:
    secret = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM="
    return MbaConnector({"base_url": server.url, "api_key": "k", "signing_secret": secret})


def pactepme(server: HostilePartner) -> PactePmeConnector:
    return PactePmeConnector({"base_url": server.url, "client_id": "c", "client_secret": "s"})


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(document.cookie)",
        " JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "https://ailleurs.example/opportunites/AMP-2026-0042",
        "//ailleurs.example/x",
        "http://[::1",
        "http://127.0.0.1/" + "a" * 500,  # longer than the stored field
    ],
)
def test_mba_links_off_the_partners_host_are_not_stored(hostile, caplog, link):
    hostile.answer = (200, {"id": "AMP-2026-0042", "url": link})
    with caplog.at_level(logging.WARNING, logger="syndication.connectors.base"):
        outcome = mba(hostile).deliver(job())
    assert outcome.kind == "delivered"
    assert outcome.remote_url == ""
    assert "link outside its host" in caplog.text


def test_mba_link_on_the_partners_host_is_kept(hostile):
    link = f"{hostile.url}/opportunites/AMP-2026-0042"
    hostile.answer = (201, {"id": "AMP-2026-0042", "url": link})
    assert mba(hostile).deliver(job()).remote_url == link


def test_pactepme_ids_stay_one_path_segment_and_links_are_checked(hostile, caplog):
    hostile.creation = {"id": "../admin", "url": "javascript:alert(1)"}
    hostile.answer = (200, {"url": "https://ailleurs.example/defis/1"})
    closed = job(create_key="cle-1", snapshot={**SNAPSHOT, "status": "closed"})
    with caplog.at_level(logging.WARNING, logger="syndication.connectors.base"):
        outcome = pactepme(hostile).deliver(closed)

    assert outcome.kind == "delivered", outcome.error
    assert outcome.remote_id == "../admin" and outcome.remote_url == ""
    assert ("POST", "/api/v2/challenges/..%2Fadmin/cloture") in hostile.received
    assert caplog.text.count("link outside its host") == 1


@pytest.mark.parametrize("remote_id", ["a/b?x", "../../oauth/token", "42#frag"])
def test_pactepme_update_and_withdraw_go_to_the_escaped_id(hostile, remote_id):
    hostile.answer = (200, {})
    assert pactepme(hostile).deliver(job(remote_id=remote_id)).kind == "delivered"
    hostile.answer = (204, {})
    assert pactepme(hostile).deliver(job(remote_id=remote_id, withdraw=True)).kind == "delivered"

    escaped = remote_id.replace("/", "%2F").replace("?", "%3F").replace("#", "%23")
    api = [request for request in hostile.received if request[1] != "/oauth/token"]
    assert api == [
        ("PATCH", f"/api/v2/challenges/{escaped}"),
        ("DELETE", f"/api/v2/challenges/{escaped}"),
    ]
