"""``/healthz`` reports database, broker and search as JSON."""

import pytest

from portal import health

pytestmark = pytest.mark.django_db


def test_healthz_reports_every_dependency(client):
    response = client.get("/healthz")
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


def test_healthz_answers_503_when_the_broker_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
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
