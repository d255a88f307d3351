"""Production settings refuse to start on unsafe values, each with a message saying which.

Each case imports ``portal.settings.production`` in a fresh interpreter with its own
environment, as a deployment would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

GOOD_SECRET = "k3J9-production-like-secret-" + "Zq7" * 12
MFA_KEY = "1b2NDMlVZ7q5nD3Xj3Wn0xq6yTqkXgA4VQmY6lq0R3Y="  # a Fernet key: 32 bytes, base64
MBA = {"MBA_API_KEY": "cle", "MBA_SIGNING_SECRET": "whsec_c2VjcmV0"}
PACTEPME = {"PACTEPME_CLIENT_ID": "client", "PACTEPME_CLIENT_SECRET": "secret"}
CLEARED = {"DJANGO_DEBUG", "DJANGO_SECRET_KEY", "PORTAL_BASE_URL", "WAGTAILADMIN_BASE_URL"}
CLEARED |= {"MFA_ENCRYPTION_KEY"}
CLEARED |= {"MBA_BASE_URL", "PACTEPME_BASE_URL", "DJANGO_SETTINGS_MODULE"}


def import_production(tmp_path: Path, **changes: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/portal",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/15",
        DJANGO_SECRET_KEY=GOOD_SECRET,
        MFA_ENCRYPTION_KEY=MFA_KEY,
        PORTAL_BASE_URL="https://innovation.ampmetropole.example",
        PORTAL_VAR_DIR=str(tmp_path),
    )
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run(
        [sys.executable, "-c", "import portal.settings.production"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_safe_environment_starts(tmp_path):
    result = import_production(
        tmp_path,
        MBA_BASE_URL="https://api.mba.example",
        PACTEPME_BASE_URL="https://api.pactepme.example",
        **MBA,
        **PACTEPME,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"DJANGO_DEBUG": "1"}, "Production refuses DJANGO_DEBUG=1"),
        ({"DJANGO_SECRET_KEY": None}, "DJANGO_SECRET_KEY is required"),
        ({"DJANGO_SECRET_KEY": "court-" + "x" * 30}, "at least 50 characters"),
        ({"DJANGO_SECRET_KEY": "dev-only-not-secret-" + "x" * 40}, "not a development or test"),
        ({"DJANGO_SECRET_KEY": "test-only-not-secret-" + "x" * 40}, "not a development or test"),
        ({"PORTAL_BASE_URL": "http://innovation.example"}, "PORTAL_BASE_URL as an https://"),
        ({"PORTAL_BASE_URL": None}, "PORTAL_BASE_URL as an https://"),
        ({"MBA_BASE_URL": "http://api.mba.example", **MBA}, "partner mba (MBA_BASE_URL)"),
        (
            {"PACTEPME_BASE_URL": "http://127.0.0.1:8102", **PACTEPME},
            "partner pactepme (PACTEPME_BASE_URL)",
        ),
    ],
)
def test_an_unsafe_environment_is_refused_with_a_clear_message(tmp_path, changes, message):
    result = import_production(tmp_path, **changes)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr, result.stderr


@pytest.mark.parametrize("key", [None, "", "not-a-fernet-key"])
def test_a_missing_or_malformed_mfa_key_is_refused(tmp_path, key):
    result = import_production(tmp_path, MFA_ENCRYPTION_KEY=key)
    assert result.returncode != 0
    assert "MFA_ENCRYPTION_KEY" in result.stderr
