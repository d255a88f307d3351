"""Schemathesis against ``/api/v1/openapi.json``: every operation, seeded, in process.

Cases are built from the document that ``search.openapi`` describes (pytest needs
the operations at collection time, before any database exists; a test below checks
that the served document is that one) and sent to the portal's WSGI application in
process. Published, indexed calls give the search something to find.
"""

from __future__ import annotations

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from portal.wsgi import application
from search.openapi import openapi_schema
from tests.factories import create_call
from tests.fuzz.budget import fuzz_settings
from tests.fuzz.french import english_defaults_in, is_french


@schemathesis.check
def refusal_in_french_json(ctx, response, case) -> bool | None:
    """Every 4xx is a JSON ``Error`` whose message is French (no English default)."""
    if not 400 <= response.status_code < 500:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/json"), f"{response.status_code}: {content_type}"
    body = response.json()
    message = body.get("message", "")
    fields = " ".join(str(v) for v in body.get("fields", {}).values())
    assert is_french(message), f"{response.status_code}: message not in French: {body}"
    assert not english_defaults_in(message + " " + fields), f"English text in {body}"
    return True


@schemathesis.check
def valid_data_accepted(ctx, response, case) -> bool | None:
    """``positive_data_acceptance``, but for the one refusal the schema documents in words.

    An issuer is an organisation's slug; one that does not exist is refused (400) by
    design, and a schema served to clients cannot enumerate the organisations.
    """
    if response.status_code == 400 and set(response.json()["fields"]) == {"issuer"}:
        return None
    return positive_data_acceptance(ctx, response, case)


CHECKS = [
    refusal_in_french_json,
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    valid_data_accepted,
    unsupported_method,
]
# Not ``negative_data_rejection``: an empty value (``?type=&page=``, as a search form
# sends it) deliberately means "no filter" and a padded one is trimmed, where the
# schema, which cannot say so, calls them invalid.


SERVER = "http://localhost/"
schema = schemathesis.openapi.from_dict(openapi_schema(SERVER))
schema.app = application


@pytest.fixture
def published_calls(transactional_db, inline_event_processing, metropole, cci):
    """Calls in the index; transactional, since the WSGI handler ends each request's connection."""
    create_call(metropole, title="Capteurs de qualité de l'air", sectors=["energie_environnement"])
    create_call(cci, title="Cybersécurité des TPE", sectors=["numerique_creatif"], call_type="ami")


def test_the_served_document_is_the_fuzzed_one(db, client):
    served = client.get("/api/v1/openapi.json", HTTP_HOST="localhost").json()
    assert served == openapi_schema(SERVER)


@pytest.mark.usefixtures("published_calls")
@schema.parametrize()
@fuzz_settings(max_examples=50)
def test_api_answers_as_documented(case):
    response = case.call()
    case.validate_response(response, checks=CHECKS)
