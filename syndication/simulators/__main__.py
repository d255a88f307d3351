"""Command line: ``python -m syndication.simulators mba|pactepme --port N``.

Credentials come from the options or, so that they stay out of process listings and
shell history, from the environment (``MBA_API_KEY``, ``MBA_SIGNING_SECRET``,
``PACTEPME_CLIENT_ID``, ``PACTEPME_CLIENT_SECRET``). There are deliberately no default
secrets: the portal and the simulator must be configured with the same values, exactly
as with the real partners.

Once the socket is bound the command prints one line, ``listening on http://HOST:PORT``,
which tests and scripts wait for (with ``--port 0`` it is the only way to learn the port).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from .mba import MbaSimulator
from .pactepme import PactePmeSimulator
from .server import Simulator, SimulatorServer


def _port(value: str) -> int:
    port = int(value)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError("must be between 0 and 65535 (0 picks a free port)")
    return port


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _non_negative_int(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m syndication.simulators",
        description="Run a simulator of a partner platform (shared/partners/ICD.md).",
    )
    partners = parser.add_subparsers(dest="partner", required=True, metavar="PARTNER")

    def common(sub: argparse.ArgumentParser, default_port: int) -> None:
        sub.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
        sub.add_argument(
            "--port", type=_port, default=default_port, help=f"0 picks a free port ({default_port})"
        )
        sub.add_argument("--verbose", action="store_true", help="log each request on stderr")

    mba = partners.add_parser("mba", help="MBA platform (ICD §2)")
    common(mba, 8101)
    mba.add_argument(
        "--api-key", default=os.environ.get("MBA_API_KEY"), help="default: $MBA_API_KEY"
    )
    mba.add_argument(
        "--signing-secret",
        default=os.environ.get("MBA_SIGNING_SECRET"),
        help="whsec_<base64>; default: $MBA_SIGNING_SECRET",
    )

    pacte = partners.add_parser("pactepme", help="Pacte PME platform (ICD §3)")
    common(pacte, 8102)
    pacte.add_argument(
        "--client-id",
        default=os.environ.get("PACTEPME_CLIENT_ID"),
        help="default: $PACTEPME_CLIENT_ID",
    )
    pacte.add_argument(
        "--client-secret",
        default=os.environ.get("PACTEPME_CLIENT_SECRET"),
        help="default: $PACTEPME_CLIENT_SECRET",
    )
    pacte.add_argument(
        "--token-ttl", type=_positive_int, default=3600, help="token lifetime in seconds (3600)"
    )
    pacte.add_argument(
        "--rate-limit",
        type=_non_negative_int,
        default=10,
        help="requests per second per client; 0 disables (10)",
    )
    return parser


def build_simulator(args: argparse.Namespace) -> Simulator:
    """The configured simulator; ``ValueError`` with a message naming what is missing."""
    if args.partner == "mba":
        if not args.api_key:
            raise ValueError("no API key: pass --api-key or set MBA_API_KEY")
        if not args.signing_secret:
            raise ValueError("no signing secret: pass --signing-secret or set MBA_SIGNING_SECRET")
        return MbaSimulator(args.api_key, args.signing_secret)
    if not args.client_id:
        raise ValueError("no client id: pass --client-id or set PACTEPME_CLIENT_ID")
    if not args.client_secret:
        raise ValueError("no client secret: pass --client-secret or set PACTEPME_CLIENT_SECRET")
    return PactePmeSimulator(
        args.client_id,
        args.client_secret,
        token_ttl=args.token_ttl,
        rate_limit=args.rate_limit,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        simulator = build_simulator(args)
    except ValueError as exc:
        parser.error(f"{args.partner}: {exc}")
    try:
        server = SimulatorServer(args.host, args.port, simulator, verbose=args.verbose)
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1

    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    # serve_forever runs in a thread because shutdown() must be called from another
    # thread than the one serving; the main thread only waits for a signal.
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2})
    serving.start()
    print(f"listening on {server.base_url}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.shutdown()
        serving.join()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
