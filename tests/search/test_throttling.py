"""Per-client limits of the search API, the autocomplete and the search page: 429s."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.django_db

OTHER_CLIENT = {"REMOTE_ADDR": "203.0.113.7"}


@pytest.fixture
def fresh_window():
    """Start in a new minute when the current one is nearly over: the windows are fixed."""
    seconds_left = 60 - time.time() % 60
    if seconds_left < 20:
        time.sleep(seconds_left + 0.1)


def _spend(client, url: str, times: int) -> None:
    for _ in range(times):
        assert client.get(url, {"q": "capteurs"}).status_code == 200


@pytest.mark.parametrize("url", ["/api/v1/calls/", "/api/v1/autocomplete/"])
def test_the_121st_request_in_a_minute_gets_a_json_429(client, site_structure, fresh_window, url):
    _spend(client, url, 120)
    response = client.get(url, {"q": "capteurs"})
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"] == "too_many_requests"
    assert body["message"].startswith("Trop de requêtes depuis votre adresse")
    assert 1 <= int(response["Retry-After"]) <= 60 and body["retry_after"] == int(
        response["Retry-After"]
    )
    # Another client is not affected.
    assert client.get(url, {"q": "capteurs"}, **OTHER_CLIENT).status_code == 200


def test_the_api_and_the_autocomplete_count_separately(client, site_structure, fresh_window):
    _spend(client, "/api/v1/calls/", 120)
    assert client.get("/api/v1/calls/").status_code == 429
    assert client.get("/api/v1/autocomplete/", {"q": "ca"}).status_code == 200


def test_the_search_page_has_a_french_429_page(client, site_structure, settings, fresh_window):
    settings.SEARCH_PAGE_LIMIT_PER_MINUTE = 3
    _spend(client, "/recherche/", 3)
    response = client.get("/recherche/", {"q": "capteurs"})
    assert response.status_code == 429
    assert "Trop de recherches" in response.content.decode()
    assert int(response["Retry-After"]) >= 1
    assert client.get("/recherche/", **OTHER_CLIENT).status_code == 200


def test_a_limit_of_zero_switches_it_off(client, site_structure, settings, fresh_window):
    settings.SEARCH_API_LIMIT_PER_MINUTE = 0
    settings.SEARCH_AUTOCOMPLETE_LIMIT_PER_MINUTE = 1
    _spend(client, "/api/v1/calls/", 3)
    assert client.get("/api/v1/autocomplete/").status_code == 200
    assert client.get("/api/v1/autocomplete/").status_code == 429


def test_the_schema_declares_the_429_and_400_answers(client):
    schema = client.get("/api/v1/openapi.json").json()
    calls = schema["paths"]["/api/v1/calls/"]["get"]["responses"]
    autocomplete = schema["paths"]["/api/v1/autocomplete/"]["get"]["responses"]
    for responses in (calls, autocomplete):
        assert "Retry-After" in responses["429"]["headers"]
        assert responses["429"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/TooManyRequests"
        }
    assert calls["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    schemas = schema["components"]["schemas"]
    assert set(schemas["TooManyRequests"]["required"]) == {"error", "message", "retry_after"}
