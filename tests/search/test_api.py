"""``/api/v1/calls/``: results, facets, 400 with a JSON body on bad input, OpenAPI schema."""

import pytest

from calls.models import CallEvent
from search import indexer
from tests.factories import create_call

pytestmark = pytest.mark.django_db


@pytest.fixture
def indexed(metropole, cci):
    create_call(
        metropole,
        title="Capteurs de qualité de l'air",
        sectors=["energie_environnement"],
        summary="Des capteurs dans les écoles.",
    )
    create_call(cci, title="Cybersécurité des TPE", sectors=["numerique_creatif"], call_type="ami")
    for event in CallEvent.objects.all():
        indexer.index_call_event(event)


def test_results_have_the_documented_fields(client, indexed, metropole):
    body = client.get("/api/v1/calls/", {"q": "capteurs"}).json()
    assert body["count"] == 1 and body["page"] == 1
    result = body["results"][0]
    assert set(result) == {
        "call_id",
        "title",
        "url",
        "type",
        "issuer",
        "sectors",
        "opens_at",
        "closes_at",
        "status",
        "summary",
        "highlight",
    }
    assert result["issuer"] == metropole.name
    assert result["sectors"] == ["energie_environnement"]
    assert result["status"] == "open"
    assert result["closes_at"].endswith(("+01:00", "+02:00"))
    assert set(body["facets"]) == {"type", "sector", "issuer", "status"}


def test_filters_and_facets(client, indexed):
    body = client.get("/api/v1/calls/", {"type": "ami"}).json()
    assert [r["title"] for r in body["results"]] == ["Cybersécurité des TPE"]
    assert body["facets"]["type"] == {"ami": 1, "appel_a_solutions": 1}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"type": "marche_public"}, "type"),
        ({"sector": "spatial"}, "sector"),
        ({"status": "withdrawn"}, "status"),
        ({"sort": "random"}, "sort"),
        ({"page": "abc"}, "page"),
        ({"page_size": "1000"}, "page_size"),
        ({"closes_before": "demain"}, "closes_before"),
        ({"issuer": "inconnue"}, "issuer"),
        ({"colour": "blue"}, "colour"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_bad_parameters_get_400_with_a_json_error(client, indexed, params, field):
    response = client.get("/api/v1/calls/", params)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_parameters"
    assert field in body["fields"]


def test_openapi_schema_describes_the_endpoint(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    operation = schema["paths"]["/api/v1/calls/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert names == {
        "q",
        "type",
        "sector",
        "issuer",
        "status",
        "closes_before",
        "closes_after",
        "sort",
        "page",
        "page_size",
    }
    assert "400" in operation["responses"]


def test_search_page_works_without_javascript(client, indexed):
    response = client.get("/recherche/", {"q": "capteurs", "sector": "energie_environnement"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Capteurs de qualité de l&#x27;air" in content
    assert "Des <mark>capteurs</mark> dans les écoles." in content
    assert 'name="sector" value="energie_environnement"' in content


def test_search_page_empty_state_points_to_closed_calls(client, metropole):
    from calls import lifecycle

    call = create_call(metropole, title="Robots de nettoyage des plages")
    lifecycle.call_close(call, reason="Terminé")
    for event in CallEvent.objects.all():
        indexer.index_call_event(event)
    response = client.get("/recherche/", {"q": "robots", "status": "open"})
    content = response.content.decode()
    assert "Aucun appel ne correspond à « robots »" in content
    assert "1 appel clôturé correspond à votre recherche." in content


def test_search_page_ignores_bad_filters_and_says_so(client, indexed):
    response = client.get("/recherche/", {"q": "capteurs", "sort": "random"})
    assert response.status_code == 200
    assert "ont été ignorés" in response.content.decode()


@pytest.mark.parametrize(
    "path", ["/api/v1/calls/", "/api/v1/autocomplete/", "/api/v1/openapi.json"]
)
def test_other_methods_get_a_json_405_in_french(path):
    """Found by schemathesis: a POST got the CSRF check's HTML 403, a PUT an empty 405."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    for method in (client.post, client.put, client.delete):
        response = method(path)
        assert response.status_code == 405
        assert response["Allow"] == "GET"
        body = response.json()
        assert body["error"] == "method_not_allowed"
        assert body["message"] == "Méthode non autorisée : utilisez GET."


def test_autocomplete_ignores_a_nul_byte(client, indexed):
    """Found by the fuzzer: PostgreSQL refused the NUL in the query parameter (a 500)."""
    response = client.get("/api/v1/autocomplete/", {"q": "cap\x00"})
    assert response.status_code == 200
    assert response.json() == {"suggestions": ["Capteurs de qualité de l'air"]}


@pytest.mark.parametrize(
    "moment", ["2026-06-01T10:00:00-23:00", "2026-06-01T10:00:00+16:30", "2026-06-01T10:00-20"]
)
def test_an_offset_that_postgresql_refuses_is_read_in_utc(client, indexed, moment):
    """Found by the fuzzer: Python takes offsets up to ±23:59, PostgreSQL past ±15:59 not (500)."""
    for path in ("/api/v1/calls/", "/recherche/"):
        assert client.get(path, {"closes_after": moment}).status_code == 200


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+14:00"])
def test_an_instant_outside_the_years_1_to_9999_in_utc_is_refused(client, indexed, moment):
    """Found by the fuzzer: 9999-12-31T23:59:59-23:59 is year 10000 in UTC (a 500)."""
    response = client.get("/api/v1/calls/", {"closes_before": moment})
    assert response.status_code == 400
    assert response.json()["fields"] == {"closes_before": "date hors des limites acceptées."}
    page = client.get("/recherche/", {"closes_before": moment})
    assert page.status_code == 200
    assert "date hors des limites acceptées." in page.content.decode()


@pytest.mark.parametrize("path", ["/api/v1/nothing/", "/api/v2/calls/", "/api/v1/calls/x/"])
def test_an_unknown_api_address_answers_a_json_404_in_french(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "n'existe pas dans l'API" in response.json()["message"]
