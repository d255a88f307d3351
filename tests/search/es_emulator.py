"""Start and stop a local Elasticsearch emulator (noida-db) for the integration tests.

noida-db is one small binary speaking the Elasticsearch REST API (it reports 8.15.3);
``noida-db start`` runs it in the foreground, which lets a test session own it
entirely: its own port, its own data directory, and a process group we can end
without touching any other noida-db the developer runs.

On Debian 12 (glibc 2.36) the binary prints "weak version `GLIBC_2.39' not found":
a *weak* versioned reference the dynamic linker only warns about. The server starts
and answers normally; we check that it answers rather than trusting the warning.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STARTUP_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


class EmulatorUnavailable(RuntimeError):
    """noida-db is not installed, or did not answer in time."""


def noida_executable() -> str | None:
    """The ``noida-db`` next to the running interpreter (the venv), else on PATH."""
    beside = Path(sys.executable).with_name("noida-db")
    if beside.exists():
        return str(beside)
    return shutil.which("noida-db")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def running_emulator(data_dir: Path) -> Iterator[str]:
    """Run ``noida-db start --only elasticsearch`` and yield its URL; stop it afterwards.

    The process gets its own session so that stopping it (the Python wrapper and the
    binary it spawns) is one ``killpg`` of the group we created, nothing broader.
    """
    executable = noida_executable()
    if executable is None:
        raise EmulatorUnavailable("noida-db is not installed (dev dependency noida-db)")
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = data_dir / "noida-db.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                executable,
                "start",
                "--only",
                "elasticsearch",
                "--elasticsearch-port",
                str(port),
                "--data-dir",
                str(data_dir / "data"),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not _answers(url):
            if process.poll() is not None or time.monotonic() > deadline:
                output = log_path.read_text(errors="replace")[-2000:]
                raise EmulatorUnavailable(f"noida-db did not start on {url}:\n{output}")
            time.sleep(0.1)
        yield url
    finally:
        _stop(process)


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the group we created (wrapper and binary), SIGKILL what outlives it."""
    group = process.pid  # start_new_session made the wrapper the group leader
    _signal_group(group, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while _group_alive(group) and time.monotonic() < deadline:
        process.poll()  # reap the wrapper so it does not linger as a zombie member
        time.sleep(0.05)
    if _group_alive(group):
        _signal_group(group, signal.SIGKILL)
    process.wait()


def _signal_group(group: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signum)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True
