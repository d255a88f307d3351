"""Shared fixtures: real PostgreSQL (pytest-django), real broker and Celery worker, real browser.

Tests that need data committed for another process (the worker, the browser's live
server) are transactional; their flush empties every table, so the ``site_structure``
fixture recreates the skeleton that migrations created (home page, ``/appels/``,
sectors) before each test that needs it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from portal.structure import ensure_site_structure
from tests.factories import OrganisationFactory

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"

# Playwright's sync API runs an event loop in the main thread; Django's async-safety
# check would then refuse ORM calls made by the same test.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def site_structure(db):
    """Home page, ``/appels/`` and sectors; recreated after a transactional flush."""
    return ensure_site_structure()


@pytest.fixture
def metropole(site_structure):
    return OrganisationFactory(name="Métropole Aix-Marseille-Provence")


@pytest.fixture
def cci(site_structure):
    return OrganisationFactory(name="CCI Aix-Marseille-Provence", kind="chambre_consulaire")


@pytest.fixture
def inline_event_processing(monkeypatch):
    """Process CallEvents right after commit in this process instead of via the broker.

    For page tests, whose subject is the page rather than the worker hop (that hop is
    covered by the ``worker`` tests): the search index is then up to date at once.
    """
    from calls import dispatch

    monkeypatch.setattr(dispatch, "dispatch_event", dispatch.process_event)


# --- Celery worker ---------------------------------------------------------------


class WorkerProcess:
    """A real ``celery worker`` subprocess that a test can kill and start again."""

    def __init__(self, env: dict[str, str], log_path: Path, beat: bool):
        self.env, self.log_path, self.beat = env, log_path, beat
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self, queues: list[str] | None = None) -> None:
        """Start (again); ``queues`` narrows what it consumes (all queues by default)."""
        from portal.celery import app

        self.starts += 1
        queue = settings.CELERY_TASK_DEFAULT_QUEUE
        queues = queues or [queue, *(f"{queue}.syndication.{k}" for k in ("mba", "pactepme"))]
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            f"--queues={','.join(queues)}",
        ]
        if self.beat:
            schedule = self.log_path.with_name(f"beat-schedule-{self.starts}")
            command += ["--beat", f"--schedule={schedule}"]
        log = self.log_path.open("a")
        offset = self.log_path.stat().st_size
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        _wait_for_worker(app, self.process, self.log_path, offset=offset)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no acknowledgement, as when a machine dies."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text()


@pytest.fixture
def worker_env() -> dict[str, str]:
    """Extra environment for the worker; suites override it (partners, schedules)."""
    return {}


@pytest.fixture
def worker_beat() -> bool:
    """Whether the worker also runs beat (the periodic pollers); suites override it."""
    return False


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path, worker_env, worker_beat):
    """A real ``celery worker`` on the test broker, reading the test database."""
    from portal.celery import app

    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    with app.connection_for_write() as conn:
        for name in (queue, f"{queue}.syndication.mba", f"{queue}.syndication.pactepme"):
            conn.default_channel.queue_purge(name)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        **worker_env,
    }
    worker = WorkerProcess(env, tmp_path / "worker.log", worker_beat)
    worker.start()
    yield worker
    worker.stop()


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _wait_for_worker(app, process, log_path: Path, timeout: float = 30, offset: int = 0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("Celery worker exited:\n" + log_path.read_text())
        if "ready." in log_path.read_text()[offset:]:
            return
        time.sleep(0.2)
    raise RuntimeError("Celery worker did not start:\n" + log_path.read_text())


def wait_until(predicate, timeout: float = 20, interval: float = 0.2):
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


# --- Browser ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is required at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    page = context.new_page()
    yield page
    context.close()


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core (WCAG 2.1 A/AA rules) in the page; return the violations of ``impacts``."""
    # evaluate() runs through the DevTools protocol, so the page's strict CSP (which
    # rightly refuses inline scripts) does not block the injection.
    page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;true")
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}
        })"""
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def assert_accessible(page) -> None:
    """No serious or critical axe-core violation on the page, listed if any."""
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=2, ensure_ascii=False)
