"""Fixtures of the syndication suite: the two partner simulators as real HTTP servers.

The simulators run as subprocesses for the whole session and are reset before each
test; the portal (test process and worker) is pointed at them with fresh secrets,
and with retry and poll intervals short enough for a test to watch them happen.
"""

from __future__ import annotations

import base64
import os
import quopri
import secrets
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Simulator:
    kind: str
    url: str
    process: subprocess.Popen
    config: dict[str, str] = field(default_factory=dict)

    def reset(self) -> None:
        requests.post(f"{self.url}/_sim/reset", timeout=5).raise_for_status()

    def faults(self, **faults) -> None:
        requests.post(f"{self.url}/_sim/faults", json=faults, timeout=5).raise_for_status()

    def state(self) -> dict:
        response = requests.get(f"{self.url}/_sim/records", timeout=5)
        response.raise_for_status()
        return response.json()

    def records(self) -> list[dict]:
        return self.state()["records"]

    def requests(self) -> list[dict]:
        return self.state()["requests"]


def _start(kind: str, args: list[str]) -> Simulator:
    process = subprocess.Popen(
        [sys.executable, "-m", "syndication.simulators", kind, "--port", "0", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline().strip()
    if not line.startswith("listening on "):
        process.kill()
        raise RuntimeError(f"{kind} simulator did not start: {line!r}")
    return Simulator(kind, line.removeprefix("listening on "), process)


@pytest.fixture(scope="session")
def simulators():
    mba_secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    mba_key, client_id, client_secret = (secrets.token_urlsafe(16) for _ in range(3))
    mba = _start("mba", ["--api-key", mba_key, "--signing-secret", mba_secret])
    mba.config = {"base_url": mba.url, "api_key": mba_key, "signing_secret": mba_secret}
    pactepme = _start("pactepme", ["--client-id", client_id, "--client-secret", client_secret])
    pactepme.config = {
        "base_url": pactepme.url,
        "client_id": client_id,
        "client_secret": client_secret,
    }
    yield {"mba": mba, "pactepme": pactepme}
    for simulator in (mba, pactepme):
        simulator.process.terminate()
        simulator.process.wait(timeout=10)


# Short intervals so that a test sees retries, polls and leases happen.
FAST = {
    "SYNDICATION_RETRY_SCHEDULE": "0,0.3,0.6,1,1",
    "SYNDICATION_GIVE_UP_AFTER": "3600",
    "SYNDICATION_POLL_SECONDS": "0.5",
    "SYNDICATION_REDISPATCH_AFTER": "3",
    "SYNDICATION_LEASE_SECONDS": "12",
    "SYNDICATION_CONNECT_TIMEOUT": "1",
    "SYNDICATION_TOTAL_TIMEOUT": "2",
    "SYNDICATION_BREAKER_THRESHOLD": "1000",
}


@pytest.fixture
def partners(simulators, settings, db):
    """Both partners configured in this process, like the environment would at start-up."""
    from syndication.partners import sync_partners

    for simulator in simulators.values():
        simulator.reset()
    settings.SYNDICATION_PARTNERS = {k: s.config for k, s in simulators.items()}
    settings.SYNDICATION_RETRY_SCHEDULE = [
        float(x) for x in FAST["SYNDICATION_RETRY_SCHEDULE"].split(",")
    ]
    settings.SYNDICATION_GIVE_UP_AFTER = 3600.0
    settings.SYNDICATION_REDISPATCH_AFTER = 3.0
    settings.SYNDICATION_LEASE_SECONDS = 12.0
    settings.SYNDICATION_CONNECT_TIMEOUT = 1.0
    settings.SYNDICATION_TOTAL_TIMEOUT = 2.0
    settings.SYNDICATION_BREAKER_THRESHOLD = 1000
    return {p.kind: p for p in sync_partners()}


@pytest.fixture
def worker_env(simulators, tmp_path) -> dict[str, str]:
    mba, pactepme = simulators["mba"].config, simulators["pactepme"].config
    return {
        **FAST,
        "MBA_BASE_URL": mba["base_url"],
        "MBA_API_KEY": mba["api_key"],
        "MBA_SIGNING_SECRET": mba["signing_secret"],
        "PACTEPME_BASE_URL": pactepme["base_url"],
        "PACTEPME_CLIENT_ID": pactepme["client_id"],
        "PACTEPME_CLIENT_SECRET": pactepme["client_secret"],
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "PORTAL_ADMIN_EMAILS": "admin@amp-innovation.example",
    }


@pytest.fixture
def worker_beat() -> bool:
    return True


@pytest.fixture
def outbox(tmp_path):
    """The e-mails the worker sent (file backend), as text."""

    def read() -> list[str]:
        folder = tmp_path / "mail"
        files = sorted(folder.glob("*.log")) if folder.exists() else []
        return [quopri.decodestring(p.read_bytes()).decode() for p in files]

    return read


os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
