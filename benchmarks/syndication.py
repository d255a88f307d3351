"""Relay throughput and latency: N calls published with both partner simulators up.

Usage: ``.venv/bin/python benchmarks/syndication.py --calls 1000``

Needs PostgreSQL (``postgres`` without password on 127.0.0.1:5432, or ``--server``)
and Redis (``--broker``). It creates and drops a scratch database
``portal_bench_syndication``, starts the two simulators (Pacte PME with its 10
requests/s limit), two workers as ``runportal`` does (one for the default and MBA
queues with 2 processes, one for the Pacte PME queue) and beat (the poller). Then:

1. **Publication**: publishes N calls one after another through the importer (a
   revision published per call, as an editor would), and reports, per partner, the
   latency from the call's event to its delivery (p50, p95, max).
2. **Drain**: with the workers stopped, plans a re-sync of every call to both
   partners, starts the workers again and reports the sustained rate per partner
   (deliveries/s) and the 429 answers Pacte PME had to give.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.search import percentile, recreate_database  # noqa: E402

MBA_KEY, MBA_SECRET = "bench-key", "whsec_YmVuY2gtc2lnbmluZy1zZWNyZXQtYnl0ZXM="
PACTEPME_ID, PACTEPME_SECRET = "bench-client", "bench-secret"


def start_simulator(kind: str, args: list[str]) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "syndication.simulators", kind, "--port", "0", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    return process, process.stdout.readline().strip().removeprefix("listening on ")


def sim_state(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/_sim/records", timeout=30) as response:
        return json.loads(response.read())


class Workers:
    """The worker processes of ``runportal``, plus beat for the poller."""

    def __init__(self, queue: str, log_dir: Path, concurrency: int):
        self.queue, self.log_dir, self.processes = queue, log_dir, []
        self.concurrency = concurrency

    def start(self) -> None:
        celery = [sys.executable, "-m", "celery", "-A", "portal"]
        commands = [
            [
                *celery,
                "worker",
                "-c",
                str(self.concurrency),
                "-n",
                "main@%h",
                f"-Q{self.queue},{self.queue}.syndication.mba",
            ],
            [
                *celery,
                "worker",
                "-c",
                "1",
                "-n",
                "pactepme@%h",
                f"-Q{self.queue}.syndication.pactepme",
            ],
            [*celery, "beat", f"--schedule={self.log_dir / 'beat-schedule'}"],
        ]
        for n, command in enumerate(commands):
            log = (self.log_dir / f"process-{n}.log").open("a")
            self.processes.append(
                subprocess.Popen([*command, "--loglevel=WARNING"], cwd=ROOT, stdout=log, stderr=log)
            )
        self.wait_ready()
        time.sleep(2)  # and let beat send its first poll

    def wait_ready(self, timeout: float = 180) -> None:
        """Start the clock once both workers answer, not after a guess: on a busy machine
        a worker takes from 5 to 20 s to start, which is no relay's latency."""
        from portal.celery import app

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            replies = app.control.ping(timeout=1.0) or []
            names = {name.split("@")[0] for reply in replies for name in reply}
            if {"main", "pactepme"} <= names:
                return
        raise SystemExit("the workers did not start in time")

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=30)
        self.processes = []


def wait_settled(timeout: float) -> None:
    from syndication.models import Delivery, DeliveryState

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Delivery.objects.exclude(
            state__in=(DeliveryState.DELIVERED, DeliveryState.SUPERSEDED)
        ).exists():
            return
        time.sleep(0.5)
    raise SystemExit("deliveries did not settle in time")


def publish(count: int) -> float:
    from calls.importing import import_call, parse_line, sector_lookup

    template = json.loads((ROOT / "calls/demo/calls.jsonl").read_text().splitlines()[0])
    lookup = sector_lookup()
    started = time.perf_counter()
    for n in range(count):
        raw = {
            **template,
            "title": f"{template['title']} — lot {n}",
            "source_url": f"https://bench.example/{n}",
            "opens_at": "2026-01-05T09:00:00",
            "closes_at": "2030-12-31T12:00:00",
        }
        import_call(parse_line(raw, lookup), publish=True)
    return time.perf_counter() - started


def latencies() -> dict[str, list[float]]:
    """Seconds from each call's event to its delivery, per partner, and to its processing
    by the worker (``event``: the deliveries are planned then), to tell the two apart."""
    from calls.models import CallEvent
    from syndication.models import Delivery, DeliveryState

    by_partner: dict[str, list[float]] = {}
    rows = Delivery.objects.filter(state=DeliveryState.DELIVERED, reason="event").values_list(
        "partner__kind", "event__occurred_at", "delivered_at"
    )
    for kind, occurred, delivered in rows:
        by_partner.setdefault(kind, []).append((delivered - occurred).total_seconds())
    by_partner["(event)"] = [
        (processed - occurred).total_seconds()
        for occurred, processed in CallEvent.objects.values_list("occurred_at", "processed_at")
    ]
    return by_partner


def wait_events_processed(timeout: float) -> None:
    from calls.models import CallEvent

    deadline = time.monotonic() + timeout
    while CallEvent.objects.filter(processed_at__isnull=True).exists():
        if time.monotonic() > deadline:
            raise SystemExit("events were not processed in time")
        time.sleep(0.5)


def drain(workers: Workers, urls: dict[str, str]) -> dict[str, dict]:
    from syndication.delivery import resync
    from syndication.models import Delivery, Partner

    workers.stop()
    for partner in Partner.objects.all():
        for _ in resync(partner):
            pass
    before = {kind: len(sim_state(url)["requests"]) for kind, url in urls.items()}
    workers.start()
    wait_settled(timeout=900)
    figures = {}
    for kind, url in urls.items():
        deliveries = Delivery.objects.filter(reason="resync", partner__kind=kind)
        first = min(deliveries.values_list("first_attempt_at", flat=True))
        last = max(deliveries.values_list("delivered_at", flat=True))
        span = (last - first).total_seconds()
        state = sim_state(url)
        api = [r for r in state["requests"][before[kind] :] if r["path"].startswith("/api/")]
        request_span = api[-1]["at"] - api[0]["at"] if len(api) > 1 else 0
        figures[kind] = {
            "deliveries": deliveries.count(),
            "seconds": round(span, 2),
            "deliveries_per_s": round(deliveries.count() / span, 1) if span else None,
            "api_requests": len(api),
            "requests_per_s": round(len(api) / request_span, 2) if request_span else None,
            "http_429": sum(1 for r in api if r["status"] == 429),
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--db", default="portal_bench_syndication")
    parser.add_argument(
        "--server", default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/14")
    parser.add_argument(
        "--concurrency", type=int, default=2, help="processes of the main worker (runportal: 2)"
    )
    parser.add_argument("--keep-db", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    if not args.db.startswith("portal_bench"):
        parser.error("the scratch database name must start with portal_bench (it is dropped)")

    mba, mba_url = start_simulator("mba", ["--api-key", MBA_KEY, "--signing-secret", MBA_SECRET])
    pactepme, pactepme_url = start_simulator(
        "pactepme", ["--client-id", PACTEPME_ID, "--client-secret", PACTEPME_SECRET]
    )
    queue = f"bench-{os.getpid()}"
    os.environ.update(
        DATABASE_URL=f"{args.server}/{args.db}",
        DJANGO_SETTINGS_MODULE="portal.settings.test",
        CELERY_BROKER_URL=args.broker,
        CELERY_TASK_DEFAULT_QUEUE=queue,
        LOG_LEVEL="WARNING",
        SYNDICATION_POLL_SECONDS="1",
        MBA_BASE_URL=mba_url,
        MBA_API_KEY=MBA_KEY,
        MBA_SIGNING_SECRET=MBA_SECRET,
        PACTEPME_BASE_URL=pactepme_url,
        PACTEPME_CLIENT_ID=PACTEPME_ID,
        PACTEPME_CLIENT_SECRET=PACTEPME_SECRET,
    )
    recreate_database(args.server, args.db)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from portal.demo import load_organisations
    from portal.structure import ensure_site_structure

    log_dir = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-syndication-{os.getpid()}"
    log_dir.mkdir(parents=True, exist_ok=True)
    workers = Workers(queue, log_dir, args.concurrency)
    try:
        call_command("migrate", verbosity=0, interactive=False)
        ensure_site_structure()
        load_organisations()
        workers.start()
        seconds = publish(args.calls)
        print(f"published {args.calls} calls in {seconds:.1f} s ({args.calls / seconds:.1f}/s)")
        wait_events_processed(timeout=900)
        wait_settled(timeout=900)
        print("\npublication → delivery latency (s)")
        print(f"{'partner':<10} {'n':>6} {'p50':>8} {'p95':>8} {'max':>8}")
        for kind, values in sorted(latencies().items()):
            print(
                f"{kind:<10} {len(values):>6} {percentile(values, 0.5):>8.2f} "
                f"{percentile(values, 0.95):>8.2f} {max(values):>8.2f}"
            )
        figures = drain(workers, {"mba": mba_url, "pactepme": pactepme_url})
        print("\ndrain of a re-sync of every call")
        print(f"{'partner':<10} {'deliveries':>10} {'s':>8} {'deliv/s':>8} {'req/s':>8} {'429':>5}")
        for kind, f in figures.items():
            print(
                f"{kind:<10} {f['deliveries']:>10} {f['seconds']:>8} {f['deliveries_per_s']!s:>8} "
                f"{f['requests_per_s']!s:>8} {f['http_429']:>5}"
            )
    finally:
        workers.stop()
        for process in (mba, pactepme):
            process.terminate()
        connections.close_all()
        if not args.keep_db:
            recreate_database(args.server, args.db, drop_only=True)


if __name__ == "__main__":
    main()
