"""``make run``'s path on the embedded defaults: SQLite, filesystem broker, no server at all.

Runs the real commands in subprocesses, in a scratch ``PORTAL_VAR_DIR``: migrate,
load the demo, start web + worker + beat, and check that the portal answers and the
worker consumes the demo's events through the filesystem transport.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, wait_until


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


HEALTHZ_TOKEN = "jeton-de-supervision-embarque-" + "e" * 30


@pytest.fixture
def embedded_env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SECRET_KEY"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.dev",
        PORTAL_VAR_DIR=str(tmp_path),
        DEMO_MBA_PORT=str(_free_port()),
        DEMO_PACTEPME_PORT=str(_free_port()),
        HEALTHZ_TOKEN=HEALTHZ_TOKEN,
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def get_json(url: str, headers: dict[str, str] | None = None) -> dict:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def test_run_sets_up_and_serves_the_portal_with_no_server(embedded_env, tmp_path):
    manage(embedded_env, "migrate", "--noinput")
    output = manage(embedded_env, "load_demo")
    assert "admin" in output and "relecture.metropole" in output
    assert "evaluation.metropole" in output, "an evaluator per organisation is printed"
    assert "candidat@solaris-provence.example" in output, "the demo applicant is printed"
    assert "appels ouverts dotés d'un formulaire" in output
    assert "2 candidatures de démonstration" in output, "evaluators have something to judge"
    assert (tmp_path / "portal.sqlite3").exists()
    # Demo staff have a TOTP authenticator; its current code is one command away.
    assert "clé TOTP" in output and "demo_totp" in output
    code = manage(embedded_env, "demo_totp", "admin").strip()
    assert code.isdigit() and len(code) == 6
    refused = subprocess.run(
        [sys.executable, "manage.py", "demo_totp", "admin"],
        cwd=ROOT,
        env={**embedded_env, "DJANGO_DEBUG": "0"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert refused.returncode != 0 and "réservée au développement" in refused.stderr

    port = _free_port()
    portal = subprocess.Popen(
        [sys.executable, "manage.py", "runportal", f"--addr=127.0.0.1:{port}"],
        cwd=ROOT,
        env=embedded_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"

        def healthy():
            try:
                return get_json(f"{base}/healthz", {"Authorization": f"Bearer {HEALTHZ_TOKEN}"})
            except OSError:
                return None

        health = wait_until(healthy, timeout=60)
        assert health["status"] == "ok"
        assert health["checks"]["database"]["engine"] == "sqlite"
        assert health["checks"]["broker"]["transport"] == "filesystem"
        with urllib.request.urlopen(f"{base}/appels/", timeout=10) as response:
            assert "appels" in response.read().decode()

        # SQLite's FTS5 engine: accents folded, plural found from the singular, ranked.
        found = get_json(f"{base}/api/v1/calls/?q=energie&status=open&status=upcoming")
        assert found["count"] > 0
        assert any("énergie" in r["title"].lower() for r in found["results"][:5])
        assert get_json(f"{base}/api/v1/calls/?q=capteur")["count"] > 0

        def all_events_processed():
            out = manage(
                embedded_env,
                "shell",
                "-c",
                "from calls.models import CallEvent as E;"
                "print(E.objects.count(), E.objects.filter(processed_at=None).count())",
            )
            total, pending = (int(x) for x in out.split()[-2:])
            return total > 50 and pending == 0

        wait_until(all_events_processed, timeout=120, interval=2)

        # The demo calls are relayed to both partner simulators that runportal started.
        def relayed(kind: str, port: str) -> int:
            records = get_json(f"http://127.0.0.1:{port}/_sim/records")["records"]
            return len(records)

        def all_relayed():
            out = manage(
                embedded_env,
                "shell",
                "-c",
                "from syndication.models import Delivery as D;"
                "print(D.objects.count(), D.objects.exclude(state='delivered').count())",
            )
            total, outstanding = (int(x) for x in out.split()[-2:])
            return total > 100 and outstanding == 0

        wait_until(all_relayed, timeout=180, interval=3)
        assert relayed("mba", embedded_env["DEMO_MBA_PORT"]) > 50
        assert relayed("pactepme", embedded_env["DEMO_PACTEPME_PORT"]) > 50
    finally:
        os.killpg(portal.pid, signal.SIGTERM)
        try:
            portal.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(portal.pid, signal.SIGKILL)
        time.sleep(0.5)
