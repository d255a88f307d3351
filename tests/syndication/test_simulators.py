"""The partner simulators, run as real processes and driven over HTTP like the portal will.

Signatures are computed here by hand, independently of the simulator's code, so a bug
shared by both sides cannot make the tests pass.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 10

MBA_API_KEY = "mba-test-key"
MBA_KEY_BYTES = b"simulator-test-signing-key-0123456789"
MBA_SECRET = "whsec_" + base64.b64encode(MBA_KEY_BYTES).decode()
PACTE_CLIENT_ID = "portail-amp"
PACTE_CLIENT_SECRET = "pacte-test-secret"
CREDENTIAL_VARIABLES = (
    "MBA_API_KEY",
    "MBA_SIGNING_SECRET",
    "PACTEPME_CLIENT_ID",
    "PACTEPME_CLIENT_SECRET",
)


class RunningSimulator:
    """A simulator subprocess and the helpers to drive its ``/_sim`` API."""

    def __init__(self, process: subprocess.Popen[str], base_url: str) -> None:
        self.process = process
        self.base_url = base_url

    def url(self, path: str) -> str:
        return self.base_url + path

    def inspect(self) -> dict[str, Any]:
        response = requests.get(self.url("/_sim/records"), timeout=TIMEOUT)
        assert response.status_code == 200
        return response.json()

    def set_faults(self, **spec: Any) -> dict[str, Any]:
        response = requests.post(self.url("/_sim/faults"), json=spec, timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        return response.json()

    def reset(self) -> None:
        response = requests.post(self.url("/_sim/reset"), timeout=TIMEOUT)
        assert response.status_code == 200
        assert response.json() == {}


def clean_environment(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in CREDENTIAL_VARIABLES}
    env.update(extra)
    return env


def start_simulator(args: list[str], env: dict[str, str], stderr_path: Path) -> RunningSimulator:
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "syndication.simulators", *args, "--port", "0"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    ready, _, _ = select.select([process.stdout], [], [], TIMEOUT)
    line = process.stdout.readline() if ready else ""
    match = re.fullmatch(r"listening on (http://127\.0\.0\.1:[0-9]+)\n", line)
    if match is None:
        process.kill()
        process.wait()
        pytest.fail(f"simulator did not start: {line!r}\n{stderr_path.read_text()}")
    return RunningSimulator(process, match[1])


def stop_simulator(simulator: RunningSimulator) -> None:
    simulator.process.send_signal(signal.SIGTERM)
    try:
        returncode = simulator.process.wait(timeout=TIMEOUT)
    finally:
        if simulator.process.poll() is None:
            simulator.process.kill()
        simulator.process.stdout.close()
    assert returncode == 0, "SIGTERM stops the simulator cleanly"


@pytest.fixture(scope="module")
def mba_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSimulator]:
    # Credentials from the environment, the way the demo configures it.
    env = clean_environment(MBA_API_KEY=MBA_API_KEY, MBA_SIGNING_SECRET=MBA_SECRET)
    simulator = start_simulator(["mba"], env, tmp_path_factory.mktemp("mba") / "stderr")
    yield simulator
    stop_simulator(simulator)


@pytest.fixture(scope="module")
def pacte_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSimulator]:
    # Credentials as options, the other way the command accepts them.
    args = ["pactepme", "--client-id", PACTE_CLIENT_ID, "--client-secret", PACTE_CLIENT_SECRET]
    stderr = tmp_path_factory.mktemp("pactepme") / "stderr"
    simulator = start_simulator(args, clean_environment(), stderr)
    yield simulator
    stop_simulator(simulator)


@pytest.fixture
def mba(mba_process: RunningSimulator) -> RunningSimulator:
    mba_process.reset()
    return mba_process


@pytest.fixture
def pacte(pacte_process: RunningSimulator) -> RunningSimulator:
    pacte_process.reset()
    return pacte_process


# --- MBA helpers ----------------------------------------------------------------


def opportunity(call_id: str = "AMP-2026-0042", version: int = 1, **overrides: Any) -> dict:
    payload = {
        "id": call_id,
        "version": version,
        "kind": "appel_a_solutions",
        "title": "Capteurs connectés pour la qualité de l'air dans les écoles",
        "summary": "Mesurer la qualité de l'air dans 40 écoles de la Métropole.",
        "description_html": (
            "<h3>Contexte</h3><p>Les <strong>écoles</strong> <em>pilotes</em> :</p>"
            '<ul><li>Marseille</li><li>Aix</li></ul><p><a href="https://example.org/">'
            "Dossier</a></p>"
        ),
        "buyer": {"name": "Métropole Aix-Marseille-Provence", "siret": None},
        "sectors": ["energie_environnement"],
        "opens_at": "2026-12-01T09:00:00+01:00",
        "closes_at": "2027-01-31T12:00:00+01:00",
        "status": "open",
        "url": "https://portail.example/appels/capteurs-qualite-air-ecoles/",
        "published_at": "2026-11-20T10:15:00+01:00",
        "updated_at": "2026-11-22T16:40:00+01:00",
    }
    payload.update(overrides)
    return payload


def signature(key: bytes, msg_id: str, timestamp: str, body: bytes) -> str:
    content = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    return "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()


def signed_headers(
    body: bytes,
    *,
    api_key: str = MBA_API_KEY,
    key: bytes = MBA_KEY_BYTES,
    timestamp: int | None = None,
    msg_id: str | None = None,
) -> dict[str, str]:
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "Authorization": f"Bearer {api_key}",
        "Content-Type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": stamp,
        "webhook-signature": signature(key, msg_id, stamp, body),
    }


def mba_put(simulator: RunningSimulator, payload: dict, **signing: Any) -> requests.Response:
    body = json.dumps(payload).encode()
    return requests.put(
        simulator.url(f"/api/opportunities/{payload['id']}"),
        data=body,
        headers=signed_headers(body, **signing),
        timeout=TIMEOUT,
    )


def mba_delete(simulator: RunningSimulator, call_id: str) -> requests.Response:
    return requests.delete(
        simulator.url(f"/api/opportunities/{call_id}"),
        headers=signed_headers(b""),
        timeout=TIMEOUT,
    )


# --- MBA ------------------------------------------------------------------------


def test_mba_signed_put_creates_then_replaces(mba):
    first = mba_put(mba, opportunity(version=1))
    assert first.status_code == 201
    assert first.headers["Content-Type"] == "application/json"
    assert first.json() == {
        "id": "AMP-2026-0042",
        "url": mba.url("/opportunites/AMP-2026-0042"),
    }

    second = mba_put(mba, opportunity(version=2, title="Nouveau titre"))
    assert second.status_code == 200
    assert second.json()["id"] == "AMP-2026-0042"

    [record] = mba.inspect()["records"]
    assert record["version"] == 2
    assert record["put_count"] == 2
    assert record["payload"]["title"] == "Nouveau titre"
    page = requests.get(first.json()["url"], timeout=TIMEOUT)
    assert page.status_code == 200
    assert "Nouveau titre" in page.text


def test_mba_same_version_is_an_idempotent_replace(mba):
    assert mba_put(mba, opportunity(version=3)).status_code == 201
    assert mba_put(mba, opportunity(version=3)).status_code == 200
    [record] = mba.inspect()["records"]
    assert (record["version"], record["put_count"]) == (3, 2)


def test_mba_older_version_is_refused_as_stale(mba):
    assert mba_put(mba, opportunity(version=4)).status_code == 201
    stale = mba_put(mba, opportunity(version=3, title="Ancien titre"))
    assert stale.status_code == 409
    assert stale.json() == {"error": "stale_version", "current_version": 4}
    [record] = mba.inspect()["records"]
    assert record["version"] == 4
    assert record["payload"]["title"] != "Ancien titre"


def test_mba_bad_signature_is_refused(mba):
    response = mba_put(mba, opportunity(), key=b"another key entirely")
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_signature"}
    assert mba.inspect()["records"] == []


def test_mba_body_changed_after_signing_is_refused(mba):
    signed = json.dumps(opportunity()).encode()
    tampered = json.dumps(opportunity(title="Autre")).encode()
    response = requests.put(
        mba.url("/api/opportunities/AMP-2026-0042"),
        data=tampered,
        headers=signed_headers(signed),
        timeout=TIMEOUT,
    )
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_signature"}


def test_mba_accepts_any_matching_signature_among_several(mba):
    body = json.dumps(opportunity()).encode()
    headers = signed_headers(body)
    wrong = signature(b"rotated-out key", headers["webhook-id"], headers["webhook-timestamp"], body)
    headers["webhook-signature"] = f"{wrong} {headers['webhook-signature']}"
    response = requests.put(
        mba.url("/api/opportunities/AMP-2026-0042"), data=body, headers=headers, timeout=TIMEOUT
    )
    assert response.status_code == 201


def test_mba_missing_signature_headers_are_refused(mba):
    body = json.dumps(opportunity()).encode()
    headers = signed_headers(body)
    del headers["webhook-id"]
    response = requests.put(
        mba.url("/api/opportunities/AMP-2026-0042"), data=body, headers=headers, timeout=TIMEOUT
    )
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_signature"}


def test_mba_old_timestamp_is_refused_even_when_correctly_signed(mba):
    response = mba_put(mba, opportunity(), timestamp=int(time.time()) - 301)
    assert response.status_code == 401
    assert response.json() == {"error": "timestamp_out_of_tolerance"}
    assert mba.inspect()["records"] == []


def test_mba_bad_bearer_is_refused(mba):
    response = mba_put(mba, opportunity(), api_key="not-the-key")
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_api_key"}
    assert mba.inspect()["records"] == []


@pytest.mark.parametrize(
    ("description", "reason"),
    [
        ("<p>Texte</p><script>alert(1)</script>", "<script>"),
        ("<div>Texte</div>", "<div>"),
        ('<p class="lead">Texte</p>', "class"),
        ('<p><a href="https://example.org/" onclick="x()">lien</a></p>', "onclick"),
        ("<p>Texte<br>suite</p>", "<br>"),
    ],
)
def test_mba_description_outside_the_html_subset_is_unprocessable(mba, description, reason):
    response = mba_put(mba, opportunity(description_html=description))
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "description_html"
    assert reason in error["message"]
    assert mba.inspect()["records"] == []


def test_mba_validation_reports_each_field(mba):
    payload = opportunity(
        id="AMP-2026-9999",
        version=0,
        kind="concours",
        summary="<b>gras</b>",
        buyer={"name": "", "siret": "123"},
        sectors=["sante", "agriculture"],
        closes_at=None,
        opens_at="2026-12-01",
        url="ftp://portail.example/",
    )
    body = json.dumps(payload).encode()
    response = requests.put(
        mba.url("/api/opportunities/AMP-2026-0042"),
        data=body,
        headers=signed_headers(body),
        timeout=TIMEOUT,
    )
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {
        "id",
        "version",
        "kind",
        "summary",
        "buyer.name",
        "buyer.siret",
        "sectors",
        "opens_at",
        "closes_at",
        "url",
    }


def test_mba_missing_field_is_unprocessable(mba):
    payload = opportunity()
    del payload["published_at"]
    response = mba_put(mba, payload)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "published_at", "message": "is required"}]


def test_mba_malformed_json_is_a_bad_request(mba):
    body = b'{"id": "AMP-2026-0042",'
    response = requests.put(
        mba.url("/api/opportunities/AMP-2026-0042"),
        data=body,
        headers=signed_headers(body),
        timeout=TIMEOUT,
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body"


def test_mba_delete_then_delete_again(mba):
    assert mba_put(mba, opportunity()).status_code == 201
    first = mba_delete(mba, "AMP-2026-0042")
    assert first.status_code == 204
    assert first.content == b""
    second = mba_delete(mba, "AMP-2026-0042")
    assert second.status_code == 404
    assert second.json() == {"error": "not_found"}
    state = mba.inspect()
    assert state["records"] == []
    assert state["deleted"] == ["AMP-2026-0042"]
    page = requests.get(mba.url("/opportunites/AMP-2026-0042"), timeout=TIMEOUT)
    assert page.status_code == 404


def test_mba_request_log_keeps_what_was_received(mba):
    payload = opportunity()
    response = mba_put(mba, payload, msg_id="msg_fixed")
    assert response.status_code == 201
    requests.get(mba.url("/nowhere"), timeout=TIMEOUT)
    logged = mba.inspect()["requests"]
    assert [(entry["method"], entry["path"], entry["status"]) for entry in logged] == [
        ("PUT", "/api/opportunities/AMP-2026-0042", 201),
        ("GET", "/nowhere", 404),
    ]
    assert logged[0]["body"] == payload
    assert logged[0]["headers"]["webhook-id"] == "msg_fixed"
    assert logged[0]["headers"]["authorization"] == f"Bearer {MBA_API_KEY}"
    assert logged[0]["headers"]["webhook-signature"].startswith("v1,")


def test_mba_keeps_the_connection_alive(mba):
    connection = http.client.HTTPConnection(urlsplit(mba.base_url).netloc, timeout=TIMEOUT)
    try:
        sockets = []
        for version in (1, 2, 3):
            body = json.dumps(opportunity(version=version)).encode()
            connection.request(
                "PUT", "/api/opportunities/AMP-2026-0042", body=body, headers=signed_headers(body)
            )
            response = connection.getresponse()
            assert response.status in (200, 201)
            assert int(response.getheader("Content-Length")) == len(response.read())
            sockets.append(connection.sock)
        assert sockets[0] is not None
        assert sockets[0] is sockets[1] is sockets[2], "one TCP connection for the three"
    finally:
        connection.close()
    assert mba.inspect()["records"][0]["put_count"] == 3


# --- faults (driven on MBA; the machinery is shared) ---------------------------------


def test_fail_next_answers_503_without_processing(mba):
    state = mba.set_faults(fail_next=2, status=503)
    assert state["fail_next"] == 2
    for _ in range(2):
        failed = mba_put(mba, opportunity())
        assert failed.status_code == 503
        assert failed.json() == {"error": "simulated"}
    assert mba.inspect()["records"] == []
    assert mba_put(mba, opportunity()).status_code == 201
    assert [entry["status"] for entry in mba.inspect()["requests"]] == [503, 503, 201]


def test_fail_next_with_429_and_retry_after(mba):
    mba.set_faults(fail_next=1, status=429, retry_after=7, body={"error": "slow_down"})
    throttled = mba_put(mba, opportunity())
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "7"
    assert throttled.json() == {"error": "slow_down"}
    assert mba_put(mba, opportunity()).status_code == 201


def test_fail_all_lasts_until_faults_are_cleared_and_spares_sim_endpoints(mba):
    mba.set_faults(fail_all=True, status=500)
    assert [mba_put(mba, opportunity()).status_code for _ in range(3)] == [500, 500, 500]
    assert len(mba.inspect()["requests"]) == 3, "/_sim/records still answers"
    assert mba.set_faults() == requests.get(mba.url("/_sim/faults"), timeout=TIMEOUT).json()
    assert mba_put(mba, opportunity()).status_code == 201


def test_drop_next_closes_the_connection_without_processing(mba):
    mba.set_faults(drop_next=1)
    with pytest.raises(requests.ConnectionError):
        mba_put(mba, opportunity())
    state = mba.inspect()
    assert state["records"] == []
    assert state["requests"][0]["status"] is None
    assert state["requests"][0]["dropped"] == "request"
    assert mba_put(mba, opportunity()).status_code == 201


def test_drop_response_next_processes_but_loses_the_answer(mba):
    mba.set_faults(drop_response_next=1)
    with pytest.raises(requests.ConnectionError):
        mba_put(mba, opportunity())
    state = mba.inspect()
    [record] = state["records"]
    assert record["id"] == "AMP-2026-0042"
    assert state["requests"][0]["status"] is None
    assert state["requests"][0]["processed_status"] == 201
    retry = mba_put(mba, opportunity())
    assert retry.status_code == 200, "the retry replaces the record the lost answer created"
    assert mba.inspect()["records"][0]["put_count"] == 2


def test_delay_next_slows_only_the_next_requests(mba):
    mba.set_faults(delay_seconds=0.6, delay_next=1)
    started = time.monotonic()
    assert mba_put(mba, opportunity()).status_code == 201
    assert time.monotonic() - started >= 0.6
    assert requests.get(mba.url("/_sim/faults"), timeout=TIMEOUT).json()["delay_next"] == 0


def test_unknown_fault_key_is_rejected(mba):
    response = requests.post(mba.url("/_sim/faults"), json={"fail_nxt": 1}, timeout=TIMEOUT)
    assert response.status_code == 400
    assert "fail_nxt" in response.json()["error"]
    assert mba_put(mba, opportunity()).status_code == 201


def test_reset_forgets_records_log_and_faults(mba):
    assert mba_put(mba, opportunity()).status_code == 201
    mba.set_faults(fail_all=True)
    mba.reset()
    state = mba.inspect()
    assert state == {"records": [], "deleted": [], "requests": []}
    assert mba_put(mba, opportunity()).status_code == 201


# --- Pacte PME helpers ------------------------------------------------------------------


def challenge(reference: str = "AMP-2026-0042", revision: int = 1, **overrides: Any) -> dict:
    payload = {
        "external_reference": reference,
        "revision": revision,
        "type": "APPEL_A_SOLUTIONS",
        "titre": "Capteurs connectés pour la qualité de l'air dans les écoles",
        "resume": "Mesurer la qualité de l'air dans 40 écoles de la Métropole.",
        "description": "Les écoles pilotes sont à Marseille et à Aix.",
        "porteur": "Métropole Aix-Marseille-Provence",
        "secteurs": ["ENERGIE", "ENVIRONNEMENT"],
        "date_ouverture": "2026-12-01",
        "date_limite": "2027-01-31T12:00:00+01:00",
        "lien_candidature": "https://portail.example/appels/capteurs-qualite-air-ecoles/",
        "territoire": "Aix-Marseille-Provence",
    }
    payload.update(overrides)
    return payload


def fetch_token(simulator: RunningSimulator, **form: str) -> requests.Response:
    data = {
        "grant_type": "client_credentials",
        "client_id": PACTE_CLIENT_ID,
        "client_secret": PACTE_CLIENT_SECRET,
        **form,
    }
    return requests.post(simulator.url("/oauth/token"), data=data, timeout=TIMEOUT)


def bearer(simulator: RunningSimulator) -> dict[str, str]:
    response = fetch_token(simulator)
    assert response.status_code == 200
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def create(
    simulator: RunningSimulator, auth: dict[str, str], payload: dict, key: str | None = None
) -> requests.Response:
    headers = {**auth, "Idempotency-Key": key or uuid.uuid4().hex}
    return requests.post(
        simulator.url("/api/v2/challenges"), json=payload, headers=headers, timeout=TIMEOUT
    )


# --- Pacte PME ------------------------------------------------------------------


def test_pacte_token_flow(pacte):
    assert fetch_token(pacte, client_secret="wrong").status_code == 401
    assert fetch_token(pacte, client_secret="wrong").json() == {"error": "invalid_client"}
    wrong_grant = fetch_token(pacte, grant_type="password")
    assert wrong_grant.status_code == 400
    assert wrong_grant.json() == {"error": "unsupported_grant_type"}

    issued = fetch_token(pacte)
    assert issued.status_code == 200
    token = issued.json()
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 3600
    assert token["access_token"]
    assert pacte.inspect()["tokens_issued"] == 1

    auth = {"Authorization": f"Bearer {token['access_token']}"}
    assert create(pacte, auth, challenge()).status_code == 201
    anonymous = create(pacte, {}, challenge("AMP-2026-0043"))
    assert anonymous.status_code == 401
    assert anonymous.json() == {"error": "invalid_token"}


def test_pacte_expired_tokens_are_refused_until_a_new_one_is_fetched(pacte):
    auth = bearer(pacte)
    assert create(pacte, auth, challenge()).status_code == 201
    pacte.set_faults(expire_tokens=True)
    refused = create(pacte, auth, challenge("AMP-2026-0043"))
    assert refused.status_code == 401
    assert refused.json() == {"error": "invalid_token"}
    assert create(pacte, bearer(pacte), challenge("AMP-2026-0043")).status_code == 201
    assert pacte.inspect()["tokens_issued"] == 2


def test_pacte_create_is_replayed_for_the_same_idempotency_key(pacte):
    auth = bearer(pacte)
    first = create(pacte, auth, challenge(), key="create-AMP-2026-0042-v1")
    assert first.status_code == 201
    assert first.json() == {"id": 4800, "url": pacte.url("/defis/4800")}
    replay = create(pacte, auth, challenge(), key="create-AMP-2026-0042-v1")
    assert replay.status_code == 201
    assert replay.json() == first.json()
    [record] = pacte.inspect()["records"]
    assert record["id"] == 4800
    assert record["statut"] == "ouvert"
    page = requests.get(first.json()["url"], timeout=TIMEOUT)
    assert page.status_code == 200
    assert "Capteurs connectés" in page.text


def test_pacte_create_requires_an_idempotency_key(pacte):
    response = requests.post(
        pacte.url("/api/v2/challenges"), json=challenge(), headers=bearer(pacte), timeout=TIMEOUT
    )
    assert response.status_code == 400
    assert response.json() == {"error": "missing_idempotency_key"}
    assert pacte.inspect()["records"] == []


def test_pacte_lost_creation_answer_is_recovered_by_replay(pacte):
    auth = bearer(pacte)
    pacte.set_faults(drop_response_next=1, paths="api")
    with pytest.raises(requests.ConnectionError):
        create(pacte, auth, challenge(), key="k-1")
    replay = create(pacte, auth, challenge(), key="k-1")
    assert replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert len(pacte.inspect()["records"]) == 1


def test_pacte_duplicate_external_reference_names_the_existing_id(pacte):
    auth = bearer(pacte)
    created = create(pacte, auth, challenge()).json()
    duplicate = create(pacte, auth, challenge())
    assert duplicate.status_code == 409
    assert duplicate.json() == {"error": "duplicate_external_reference", "id": created["id"]}
    assert len(pacte.inspect()["records"]) == 1


def test_pacte_patch_merges_and_refuses_stale_revisions(pacte):
    auth = bearer(pacte)
    challenge_id = create(pacte, auth, challenge()).json()["id"]
    url = pacte.url(f"/api/v2/challenges/{challenge_id}")

    updated = requests.patch(
        url, json={"revision": 3, "titre": "Titre révisé"}, headers=auth, timeout=TIMEOUT
    )
    assert updated.status_code == 200
    assert updated.json()["id"] == challenge_id
    stale = requests.patch(
        url, json={"revision": 2, "titre": "Titre périmé"}, headers=auth, timeout=TIMEOUT
    )
    assert stale.status_code == 409
    assert stale.json() == {"error": "stale_revision"}

    [record] = pacte.inspect()["records"]
    assert record["revision"] == 3
    assert record["payload"]["titre"] == "Titre révisé"
    assert record["payload"]["porteur"] == "Métropole Aix-Marseille-Provence"

    unknown = requests.patch(
        pacte.url("/api/v2/challenges/1"), json={"revision": 9}, headers=auth, timeout=TIMEOUT
    )
    assert unknown.status_code == 404


def test_pacte_cloture(pacte):
    auth = bearer(pacte)
    challenge_id = create(pacte, auth, challenge(revision=2)).json()["id"]
    url = pacte.url(f"/api/v2/challenges/{challenge_id}/cloture")
    stale = requests.post(url, json={"revision": 1}, headers=auth, timeout=TIMEOUT)
    assert stale.status_code == 409
    assert pacte.inspect()["records"][0]["statut"] == "ouvert"
    closed = requests.post(url, json={"revision": 3}, headers=auth, timeout=TIMEOUT)
    assert closed.status_code == 200
    [record] = pacte.inspect()["records"]
    assert (record["statut"], record["revision"]) == ("cloture", 3)
    missing = requests.post(
        pacte.url("/api/v2/challenges/1/cloture"), json={"revision": 3}, headers=auth, timeout=10
    )
    assert missing.status_code == 404


def test_pacte_delete_then_delete_again(pacte):
    auth = bearer(pacte)
    challenge_id = create(pacte, auth, challenge()).json()["id"]
    url = pacte.url(f"/api/v2/challenges/{challenge_id}")
    assert requests.delete(url, headers=auth, timeout=TIMEOUT).status_code == 204
    again = requests.delete(url, headers=auth, timeout=TIMEOUT)
    assert again.status_code == 404
    assert again.json() == {"error": "not_found"}
    state = pacte.inspect()
    assert state["records"] == []
    assert state["deleted"] == [challenge_id]
    recreated = create(pacte, auth, challenge())
    assert recreated.status_code == 201, "a withdrawn reference may be published again"
    assert recreated.json()["id"] == challenge_id + 1


def test_pacte_titre_longer_than_150_is_unprocessable_and_cached(pacte):
    auth = bearer(pacte)
    response = create(pacte, auth, challenge(titre="x" * 151), key="long-title")
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"titre"}
    replay = create(pacte, auth, challenge(), key="long-title")
    assert (replay.status_code, replay.json()) == (422, response.json())
    assert pacte.inspect()["records"] == []


def test_pacte_rejects_html_and_unknown_codes(pacte):
    payload = challenge(
        description="<p>Texte</p>", secteurs=["ENERGIE", "AGRICULTURE"], date_ouverture="1/12/26"
    )
    response = create(pacte, bearer(pacte), payload)
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"description", "secteurs", "date_ouverture"}


def test_pacte_malformed_json_is_a_bad_request(pacte):
    headers = {**bearer(pacte), "Idempotency-Key": "k", "Content-Type": "application/json"}
    response = requests.post(
        pacte.url("/api/v2/challenges"), data=b"{not json", headers=headers, timeout=TIMEOUT
    )
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_json"}


def test_pacte_rate_limit_answers_429_on_a_burst(pacte):
    auth = bearer(pacte)
    with requests.Session() as session:
        responses = [
            session.delete(pacte.url(f"/api/v2/challenges/{n}"), headers=auth, timeout=TIMEOUT)
            for n in range(20)
        ]
    statuses = [response.status_code for response in responses]
    assert statuses[:10] == [404] * 10, "a full bucket allows 10 requests at once"
    throttled = [response for response in responses if response.status_code == 429]
    assert throttled, statuses
    assert all(response.headers["Retry-After"] == "1" for response in throttled)
    assert all(response.json() == {"error": "rate_limited"} for response in throttled)
    assert pacte.inspect()["rate_limited"] == len(throttled)
    time.sleep(1.1)
    later = requests.delete(pacte.url("/api/v2/challenges/1"), headers=auth, timeout=TIMEOUT)
    assert later.status_code == 404, "the bucket refills"


def test_pacte_faults_can_spare_the_token_endpoint(pacte):
    pacte.set_faults(fail_all=True, paths="api")
    auth = bearer(pacte)
    assert create(pacte, auth, challenge()).status_code == 503

    pacte.set_faults(fail_next=1)
    assert fetch_token(pacte).status_code == 503, "by default faults hit /oauth/token too"
    assert create(pacte, auth, challenge()).status_code == 201


def test_pacte_tokens_expire_after_their_lifetime_and_rate_limit_can_be_off(tmp_path):
    args = ["pactepme", "--token-ttl", "1", "--rate-limit", "0"]
    env = clean_environment(
        PACTEPME_CLIENT_ID=PACTE_CLIENT_ID, PACTEPME_CLIENT_SECRET=PACTE_CLIENT_SECRET
    )
    simulator = start_simulator(args, env, tmp_path / "stderr")
    try:
        token = fetch_token(simulator).json()
        assert token["expires_in"] == 1
        auth = {"Authorization": f"Bearer {token['access_token']}"}
        with requests.Session() as session:
            statuses = {
                session.delete(
                    simulator.url(f"/api/v2/challenges/{n}"), headers=auth, timeout=TIMEOUT
                ).status_code
                for n in range(15)
            }
        assert statuses == {404}, "no rate limit with --rate-limit 0"
        time.sleep(1.2)
        expired = create(simulator, auth, challenge())
        assert expired.status_code == 401
        assert expired.json() == {"error": "invalid_token"}
    finally:
        stop_simulator(simulator)


def test_expire_tokens_must_be_true_and_is_pacte_only(pacte, mba):
    bad = requests.post(pacte.url("/_sim/faults"), json={"expire_tokens": 1}, timeout=TIMEOUT)
    assert bad.status_code == 400
    on_mba = requests.post(mba.url("/_sim/faults"), json={"expire_tokens": True}, timeout=TIMEOUT)
    assert on_mba.status_code == 400
    assert "expire_tokens" in on_mba.json()["error"]


# --- the command ------------------------------------------------------------------


def test_command_refuses_to_start_without_credentials():
    for partner, variable in (("mba", "MBA_API_KEY"), ("pactepme", "PACTEPME_CLIENT_ID")):
        result = subprocess.run(
            [sys.executable, "-m", "syndication.simulators", partner, "--port", "0"],
            cwd=ROOT,
            env=clean_environment(),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        assert result.returncode != 0
        assert variable in result.stderr
        assert result.stdout == ""


def test_simulators_do_not_import_django():
    code = (
        "import sys, syndication.simulators.__main__\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT
    )
    assert result.returncode == 0, result.stderr
