"""``/healthz`` reports database, broker and search as JSON; details only to the trusted."""

import pytest

from portal import health
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "jeton-de-supervision-" + "s" * 30


@pytest.fixture
def monitor(settings):
    """The headers of a monitoring probe that knows the configured token."""
    settings.HEALTHZ_TOKEN = TOKEN
    return {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


def test_healthz_reports_every_dependency(client, monitor):
    response = client.get("/healthz", **monitor)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "search"}
    assert body["checks"]["database"] == {
        **body["checks"]["database"],
        "ok": True,
        "engine": "postgresql",
    }
    assert body["checks"]["broker"]["ok"] is True
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_answers_503_when_the_broker_is_unreachable(client, settings, monitor):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz", **monitor)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["broker"]["ok"] is False
    assert "error" in body["checks"]["broker"]
    assert body["checks"]["database"]["ok"] is True


def test_healthz_reports_an_unreachable_search_server(client, settings):
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:1"
    body = client.get("/healthz").json()
    assert body["checks"]["search"]["ok"] is False


def test_checks_never_raise():
    def broken():
        raise RuntimeError("panne")

    result = health._timed(broken)
    assert result["ok"] is False and "panne" in result["error"]


def test_healthz_refuses_post(client):
    assert client.post("/healthz").status_code == 405


def test_the_public_sees_only_ok_or_failing_per_component(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.HEALTHZ_TOKEN = TOKEN
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer mauvais-jeton"}):
        response = client.get("/healthz", **headers)
        assert response.status_code == 503, "the status code still tells a load balancer"
        assert response.json() == {
            "status": "error",
            "checks": {"database": {"ok": True}, "broker": {"ok": False}, "search": {"ok": True}},
        }


def test_no_token_is_accepted_when_none_is_configured(client, settings):
    settings.HEALTHZ_TOKEN = ""
    body = client.get("/healthz", HTTP_AUTHORIZATION="Bearer ").json()
    assert body["checks"]["database"] == {"ok": True}


def test_staff_see_the_details(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    client.force_login(UserFactory(username="exploitation", is_staff=True))
    body = client.get("/healthz").json()
    assert body["checks"]["database"]["engine"] == "postgresql"
    assert "Error" in body["checks"]["broker"]["error"]
    assert "latency_ms" in body["checks"]["search"]


def test_a_logged_in_non_staff_user_does_not(client):
    client.force_login(UserFactory(username="candidat"))
    assert client.get("/healthz").json()["checks"]["database"] == {"ok": True}
