"""``manage.py runportal``: web server, Celery workers, scheduler (and demo partners).

Used by ``make run``. With the dev settings' demo partners, it also starts the MBA
and Pacte PME simulators the calls are relayed to. Each runs in its own process; if
one stops, the others are stopped too, so a half-running portal never passes for a
working one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from syndication.delivery import delivery_queue
from syndication.simulators.demo import simulator_commands


class Command(BaseCommand):
    help = "Lance le portail (web), le worker Celery et le planificateur (beat)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def processes(self, addr: str) -> dict[str, list[str]]:
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "portal"]
        queue = settings.CELERY_TASK_DEFAULT_QUEUE
        simulators = (
            simulator_commands(settings.SYNDICATION_PARTNERS, python)
            if settings.DEMO_PARTNERS
            else {}
        )
        return {
            **simulators,
            "web": [python, "manage.py", "runserver", addr, "--noreload"],
            "worker": [
                *celery,
                "worker",
                "--loglevel=INFO",
                "--concurrency=2",
                "--hostname=worker@%h",
                f"--queues={queue},{delivery_queue('mba')}",
            ],
            # Pacte PME's rate limit makes its deliveries wait: a worker of their own,
            # so they never hold up the others.
            "worker-pactepme": [
                *celery,
                "worker",
                "--loglevel=INFO",
                "--concurrency=1",
                "--hostname=pactepme@%h",
                f"--queues={delivery_queue('pactepme')}",
            ],
            "beat": [
                *celery,
                "beat",
                "--loglevel=INFO",
                f"--schedule={settings.CELERY_BEAT_SCHEDULE_FILENAME}",
            ],
        }

    def handle(self, *args, addr: str, **options) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        running = {
            name: subprocess.Popen(command, cwd=settings.BASE_DIR, env=env)  # noqa: S603
            for name, command in self.processes(addr).items()
        }
        self.stdout.write(f"Portail : http://{addr}/  —  administration : http://{addr}/admin/")
        self.stdout.write(
            "Comptes de démonstration : var/demo-credentials.json ; code de double "
            "authentification : python manage.py demo_totp <utilisateur>"
        )
        if settings.DEMO_PARTNERS:
            for kind, config in settings.SYNDICATION_PARTNERS.items():
                self.stdout.write(
                    f"Simulateur {kind} : {config['base_url']}/_sim/records (appels relayés)"
                )
        stop = False

        def request_stop(signum, frame):
            nonlocal stop
            stop = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        try:
            while not stop:
                exited = [name for name, proc in running.items() if proc.poll() is not None]
                if exited:
                    self.stderr.write(f"Arrêt : le processus {', '.join(exited)} s'est terminé.")
                    break
                time.sleep(0.5)
        finally:
            for proc in running.values():
                if proc.poll() is None:
                    proc.terminate()
            for proc in running.values():
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
