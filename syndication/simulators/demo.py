"""Partner settings for ``make run``: the two simulators on this machine.

The secrets are generated once per machine into ``var/demo-partners.json`` (never
in the repository), so the portal's processes and the simulators that ``runportal``
starts agree on them. Standard library only, like the simulators.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path


def _secrets(path: Path) -> dict[str, str]:
    if path.exists():
        return json.loads(path.read_text())
    values = {
        "mba_api_key": secrets.token_urlsafe(24),
        "mba_signing_secret": "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode(),
        "pactepme_client_id": "amp-innovation-demo",
        "pactepme_client_secret": secrets.token_urlsafe(24),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values, indent=2))
    path.chmod(0o600)
    return values


def demo_partner_settings(path: Path) -> dict[str, dict[str, str]]:
    """``SYNDICATION_PARTNERS`` pointing at the local simulators (ports from the environment)."""
    values = _secrets(path)
    mba_port = int(os.environ.get("DEMO_MBA_PORT", "8101"))
    pactepme_port = int(os.environ.get("DEMO_PACTEPME_PORT", "8102"))
    return {
        "mba": {
            "base_url": f"http://127.0.0.1:{mba_port}",
            "api_key": values["mba_api_key"],
            "signing_secret": values["mba_signing_secret"],
        },
        "pactepme": {
            "base_url": f"http://127.0.0.1:{pactepme_port}",
            "client_id": values["pactepme_client_id"],
            "client_secret": values["pactepme_client_secret"],
        },
    }


def simulator_commands(partners: dict[str, dict[str, str]], python: str) -> dict[str, list[str]]:
    """The command line that starts the simulator of each demo partner."""
    commands = {}
    for kind, config in partners.items():
        port = config["base_url"].rsplit(":", 1)[1]
        credentials = (
            ["--api-key", config["api_key"], "--signing-secret", config["signing_secret"]]
            if kind == "mba"
            else ["--client-id", config["client_id"], "--client-secret", config["client_secret"]]
        )
        commands[f"simulateur-{kind}"] = [
            python,
            "-m",
            "syndication.simulators",
            kind,
            "--port",
            port,
            *credentials,
        ]
    return commands
